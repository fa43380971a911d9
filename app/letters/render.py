"""Rendering and checking letter templates, and the template context (documented here, once).

The context a template sees (also in docs/campaign-format.md):

``supporter``
    prefix, first_name, last_name, full_name ("First Last"), email, street, street2 (or ""),
    city, state, zip.
``official``
    name, first_name, last_name, title ("Representative", "Senator", "Assemblymember",
    "President", ...), salutation ("Dear Senator Padilla", "Dear Mr. President"), party (or ""),
    district ("CA-30", or ""), state (or ""), office_kind, office_key, office_title.
``campaign``
    slug, title, description, organization_statement.
``resolution``
    code, title, legislature, session, authors, coauthors, url, date (ISO), status, summary,
    findings (a list of sentences).
``demands``
    the resolution's demands in order, each with label, text, source.
``personal_note``
    what the supporter wrote, or "" (so ``{% if personal_note %}`` works).
``today``
    the date of writing (``{{ today|long_date }}`` -> "November 28, 2026").

Functions: ``pick(a, b, ...)`` (a variant, deterministic per supporter and office),
``range`` (capped), ``dict``, ``namespace``, ``cycler``, ``joiner``. Filters: the usual text
filters plus ``long_date``; ``attr``, ``format`` and ``random`` are not offered.
"""

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jinja2 import Template, TemplateSyntaxError, meta, nodes

from app.letters.context import CONTEXT_FIELDS, CONTEXT_NAMES, sample_context
from app.letters.limits import MAX_TEMPLATE_CHARS
from app.letters.sandbox import (
    LetterEnvironment,
    begin_render,
    end_render,
)

_TEXT_ENV = LetterEnvironment()
_HTML_ENV = LetterEnvironment(html=True)


class LetterTemplateError(ValueError):
    """A template that cannot be used: names the template, the line (when known) and the problem."""

    def __init__(self, template_name: str, line: int | None, message: str) -> None:
        self.template_name = template_name
        self.line = line
        self.message = message
        where = f"{template_name}:{line}" if line else template_name
        super().__init__(f"{where}: {message}")


@lru_cache(maxsize=512)
def _compiled(source: str, name: str, html: bool) -> Template:
    env = _HTML_ENV if html else _TEXT_ENV
    if len(source) > MAX_TEMPLATE_CHARS:
        raise LetterTemplateError(name, None, f"longer than {MAX_TEMPLATE_CHARS} characters")
    try:
        code = env.compile(source, name=name, filename=name)
    except TemplateSyntaxError as error:
        raise LetterTemplateError(name, error.lineno, error.message or str(error)) from None
    return env.template_class.from_code(env, code, env.globals, None)


def _error_line(error: BaseException, name: str) -> int | None:
    line = None
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == name:
            line = tb.tb_lineno
        tb = tb.tb_next
    return getattr(error, "lineno", None) or line


def render_template_source(
    source: str,
    context: Mapping[str, Any],
    *,
    name: str,
    variant_seed: str = "",
    html: bool = False,
) -> str:
    """Render one template in the sandbox, with its limits on.

    ``variant_seed`` (the supporter's e-mail and the office key, for letters) decides every
    ``pick()``: the same seed renders the same letter in any process.
    """
    template = _compiled(source, name, html)
    # pick() hashes this seed with a counter; the template's name keeps subject and body apart.
    token = begin_render(f"{variant_seed}\x00{name}".encode())
    try:
        return template.render(context)
    except Exception as error:
        message = getattr(error, "message", None) or str(error) or type(error).__name__
        if isinstance(error, RecursionError):
            message = "templates calling themselves too deeply"
        raise LetterTemplateError(name, _error_line(error, name), message) from None
    finally:
        end_render(token)


def check_template_source(source: str, *, name: str, html: bool = False) -> None:
    """Refuse a template that could never render: syntax, unknown variables or fields, unknown
    filters, and anything that fails on the sample supporter and official."""
    _check_once(source, name, html)


@lru_cache(maxsize=256)
def _check_once(source: str, name: str, html: bool) -> None:
    # Cached: loading a campaign again re-checks the same texts. Failures are not cached.
    env = _HTML_ENV if html else _TEXT_ENV
    if len(source) > MAX_TEMPLATE_CHARS:
        raise LetterTemplateError(name, None, f"longer than {MAX_TEMPLATE_CHARS} characters")
    try:
        tree = env.parse(source, name=name, filename=name)
        # Unknown filters surface here, as a TemplateAssertionError (a TemplateSyntaxError).
        unknown = meta.find_undeclared_variables(tree) - CONTEXT_NAMES - set(env.globals)
    except TemplateSyntaxError as error:
        raise LetterTemplateError(name, error.lineno, error.message or str(error)) from None
    if unknown:
        variable = sorted(unknown)[0]
        line = next(
            (n.lineno for n in tree.find_all(nodes.Name) if n.name == variable and n.ctx == "load"),
            None,
        )
        known = ", ".join(CONTEXT_FIELDS)
        raise LetterTemplateError(name, line, f"unknown variable {variable!r} (known: {known})")
    _check_fields(tree, name)
    _compiled(source, name, html)
    for kind in ("us_house", "executive"):
        for note in ("", "A personal note."):
            context = sample_context(kind) | {"personal_note": note}
            render_template_source(source, context, name=name, html=html)


def _check_fields(tree: nodes.Template, name: str) -> None:
    for node in tree.find_all(nodes.Getattr):
        target = node.node
        if not isinstance(target, nodes.Name):
            continue
        fields = CONTEXT_FIELDS.get(target.name)
        if fields is not None and node.attr not in fields:
            raise LetterTemplateError(
                name,
                node.lineno,
                f"{target.name} has no field {node.attr!r} (fields: {', '.join(fields)})",
            )


__all__ = [
    "CONTEXT_FIELDS",
    "LetterTemplateError",
    "check_template_source",
    "render_template_source",
    "sample_context",
]
