"""The Jinja2 sandbox letters are rendered in: immutable, strict, and with a budget.

Templates are written by organisers, who are trusted less than the code: a template must not read
Python internals, and must not exhaust the machine. Jinja's ``ImmutableSandboxedEnvironment``
handles the first; it does nothing about the second, so this module adds limits that are checked
*before* a large value is built:

- ``*``, ``**``, ``+`` and ``~`` check the size of their result from the sizes of their operands;
  ``%`` on strings (printf formatting, whose width field allocates) is refused;
- ``range`` is capped, and every loop iteration and every call spends one step of a per-render
  budget, so nested loops and recursive macros stop early;
- the filters on offer are a fixed list; those that can grow text check the size first;
- rendered text (and every ``{% set %}`` block) is joined only after its length is checked;
- on strings, lists, dicts and numbers only a short list of harmless methods is reachable, which
  also closes the published ``str.format``/``format_map`` escapes; ``|attr`` is not offered.
"""

import contextvars
import hashlib
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from itertools import islice
from typing import Any

from jinja2 import StrictUndefined, filters, nodes
from jinja2.compiler import CodeGenerator, Frame, optimizeconst
from jinja2.runtime import LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

MAX_TEMPLATE_CHARS = 50_000
MAX_TEXT_CHARS = 100_000  # any one string or list built while rendering, and the letter itself
MAX_RANGE = 1_000
MAX_STEPS = 10_000  # loop iterations plus calls, per render
MAX_INT_BITS = 4_096


class RunawayTemplateError(SecurityError):
    """The template tried to build something larger, or run longer, than a letter ever needs."""


class Record:
    """A read-only bag of named fields: the only objects (besides plain data) a template sees.

    A template reads ``official.name``; there are no Python attributes or methods behind it.
    """

    __slots__ = ("fields", "label")

    def __init__(self, label: str, fields: dict[str, Any]) -> None:
        self.label = label
        self.fields = fields

    def __repr__(self) -> str:
        return f"<{self.label}>"


class _RenderState:
    __slots__ = ("picks", "pool", "seed", "steps")

    def __init__(self, seed: bytes) -> None:
        self.steps = 0
        self.picks = 0
        self.seed = seed
        self.pool = b""


_state: contextvars.ContextVar[_RenderState] = contextvars.ContextVar("letter_render_state")


def begin_render(seed: bytes) -> contextvars.Token[_RenderState]:
    return _state.set(_RenderState(seed))


def end_render(token: contextvars.Token[_RenderState]) -> None:
    _state.reset(token)


def _spend(n: int = 1) -> None:
    state = _state.get()
    state.steps += n
    if state.steps > MAX_STEPS:
        raise RunawayTemplateError(f"the template ran more than {MAX_STEPS} loop steps or calls")


def _check_text(size: int, what: str) -> None:
    if size > MAX_TEXT_CHARS:
        raise RunawayTemplateError(f"{what} would be {size} long; the limit is {MAX_TEXT_CHARS}")


def _sized(value: Any) -> int | None:
    return len(value) if isinstance(value, str | list | tuple) else None


def _check_binop(op: str, left: Any, right: Any) -> None:
    if op == "*":
        for seq, count in ((left, right), (right, left)):
            size = _sized(seq)
            if size is not None and isinstance(count, int):
                _check_text(size * max(count, 0), "a repeated value")
        both_ints = isinstance(left, int) and isinstance(right, int)
        if both_ints and left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise RunawayTemplateError("a multiplication result is too large")
    elif op == "**":
        if isinstance(left, int) and isinstance(right, int) and abs(left) > 1:
            if right > MAX_INT_BITS or left.bit_length() * right > MAX_INT_BITS:
                raise RunawayTemplateError("a power is too large")
        elif isinstance(right, int | float) and abs(right) > MAX_INT_BITS:
            raise RunawayTemplateError("a power is too large")
    elif op == "+":
        a, b = _sized(left), _sized(right)
        if a is not None and b is not None:
            _check_text(a + b, "a concatenation")
    elif op == "%" and isinstance(left, str):
        raise SecurityError("'%' formatting of text is not available in letters; use ~ and filters")


def safe_range(*args: int) -> range:
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise RunawayTemplateError(f"range() of {len(rng)} items; the limit is {MAX_RANGE}")
    return rng


def pick(*options: Any) -> Any:
    """One of the options, chosen by the render's variant seed: same supporter and office, same
    choice; a different supporter or office, likely another. Stable across processes."""
    if len(options) == 1 and isinstance(options[0], list | tuple):
        options = tuple(options[0])
    if not options:
        raise ValueError("pick() needs at least one option")
    state = _state.get()
    # One 64-byte BLAKE2b digest serves sixteen picks; the next sixteen hash the seed again.
    index = state.picks % 16
    if index == 0:
        counter = (state.picks // 16).to_bytes(4, "big")
        state.pool = hashlib.blake2b(state.seed + counter).digest()
    state.picks += 1
    value = int.from_bytes(state.pool[index * 4 : index * 4 + 4], "big")
    return options[value % len(options)]


def _budgeted(iterable: Iterable[Any]) -> Iterator[Any]:
    for item in iterable:
        _spend()
        yield item


def _bounded_list(value: Iterable[Any]) -> list[Any]:
    items: list[Any] = []
    for item in value:
        items.append(item)
        _check_text(len(items), "a list")
    return items


def _join(
    eval_ctx: Any, value: Iterable[Any], d: str = "", attribute: str | int | None = None
) -> str:
    items = _bounded_list(value)
    size = len(d) * max(len(items) - 1, 0) + sum(len(str(item)) for item in items)
    _check_text(size, "a joined text")
    return filters.sync_do_join(eval_ctx, items, d, attribute)


def _replace(eval_ctx: Any, s: str, old: str, new: str, count: int | None = None) -> str:
    text, old, new = str(s), str(old), str(new)
    hits = text.count(old) if old else len(text) + 1
    if count is not None and count >= 0:
        hits = min(hits, count)
    _check_text(len(text) + hits * (len(new) - len(old)), "a replaced text")
    return filters.do_replace(eval_ctx, s, old, new, count)


def _center(value: str, width: int = 80) -> str:
    _check_text(int(width), "a centred text")
    return filters.do_center(value, width)


def _indent(s: str, width: int | str = 4, first: bool = False, blank: bool = False) -> str:
    pad = len(width) if isinstance(width, str) else int(width)
    _check_text(len(s) + pad * (str(s).count("\n") + 1), "an indented text")
    return filters.do_indent(s, width, first, blank)


def _wordwrap(env: Any, s: str, width: int = 79, *args: Any, **kwargs: Any) -> str:
    wrap = kwargs.get("wrapstring") or (args[1] if len(args) > 1 else None) or "\n"
    lines = len(s) // max(int(width), 1) + 1
    _check_text(len(s) + len(str(wrap)) * lines, "a wrapped text")
    return filters.do_wordwrap(env, s, width, *args, **kwargs)


def _batch(value: Iterable[Any], linecount: int, fill_with: Any = None) -> Iterator[list[Any]]:
    _check_text(int(linecount), "a batch")
    return filters.do_batch(value, linecount, fill_with)


def _slice(value: Iterable[Any], slices: int, fill_with: Any = None) -> Iterator[list[Any]]:
    if int(slices) > MAX_RANGE:
        raise RunawayTemplateError(f"slice() into {slices} parts; the limit is {MAX_RANGE}")
    return filters.sync_do_slice(value, slices, fill_with)


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip


def long_date(value: date | str) -> str:
    """``2024-02-13`` or a date -> ``February 13, 2024`` (English, whatever the locale)."""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{_MONTHS[day.month - 1]} {day.day}, {day.year}"


# fmt: off
_PLAIN_FILTERS = [
    "abs", "capitalize", "count", "d", "default", "dictsort", "first", "float", "groupby", "int",
    "items", "last", "length", "lower", "map", "max", "min", "reject", "rejectattr", "reverse",
    "round", "select", "selectattr", "sort", "string", "striptags", "sum", "title", "trim",
    "truncate", "unique", "upper", "urlencode", "wordcount",
]
_HTML_FILTERS = ["e", "escape", "forceescape", "xmlattr"]

# On plain data only these methods are reachable; everything else (str.format, format_map,
# ljust, zfill, to_bytes, ...) is refused as unsafe.
_SAFE_METHODS: tuple[tuple[type | tuple[type, ...], frozenset[str]], ...] = (
    (str, frozenset([
        "capitalize", "casefold", "count", "endswith", "find", "index", "isalnum", "isalpha",
        "isdigit", "islower", "isspace", "istitle", "isupper", "lower", "lstrip", "partition",
        "removeprefix", "removesuffix", "rfind", "rindex", "rpartition", "rsplit", "rstrip",
        "split", "splitlines", "startswith", "strip", "swapcase", "title", "upper",
    ])),
    (dict, frozenset({"items", "keys", "values", "get"})),
    ((list, tuple), frozenset({"count", "index"})),
    ((int, float), frozenset()),
    (date, frozenset({"year", "month", "day", "isoformat", "strftime", "weekday"})),
)
# fmt: on
_SAFE_BY_TYPE = {
    str: _SAFE_METHODS[0][1],
    dict: _SAFE_METHODS[1][1],
    list: _SAFE_METHODS[2][1],
    tuple: _SAFE_METHODS[2][1],
    int: frozenset(),
    float: frozenset(),
    bool: frozenset(),
}  # fmt: skip


class _LetterCodeGenerator(CodeGenerator):
    @optimizeconst
    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        # ``~`` compiles to a join with no hook; route it through the size check.
        func_name = "markup_join" if frame.eval_ctx.autoescape else "str_join"
        if frame.eval_ctx.volatile:
            func_name = "(markup_join if context.eval_ctx.volatile else str_join)"
        self.write(f"environment.checked_concat({func_name}, (")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class LetterEnvironment(ImmutableSandboxedEnvironment):
    code_generator_class = _LetterCodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, *, html: bool = False) -> None:
        super().__init__(
            autoescape=html,
            undefined=StrictUndefined,
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
            cache_size=0,
        )
        self.concat = self._bounded_concat  # type: ignore[method-assign]
        kept = _PLAIN_FILTERS + (_HTML_FILTERS if html else [])
        offered: dict[str, Callable[..., Any]] = {name: self.filters[name] for name in kept}
        offered.update(
            join=filters.pass_eval_context(_join),
            replace=filters.pass_eval_context(_replace),
            center=_center,
            indent=_indent,
            wordwrap=filters.pass_environment(_wordwrap),
            batch=_batch,
            slice=_slice,
            list=_bounded_list,
            long_date=long_date,
            _budgeted=_budgeted,
        )
        self.filters = offered
        self.globals = {
            "range": safe_range,
            "dict": dict,
            "namespace": self.globals["namespace"],
            "cycler": self.globals["cycler"],
            "joiner": self.globals["joiner"],
            "pick": pick,
        }

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        for loop in list(tree.find_all(nodes.For)):
            loop.iter = nodes.Filter(loop.iter, "_budgeted", [], [], None, None, lineno=loop.lineno)
        return tree

    @staticmethod
    def _bounded_concat(parts: Iterable[str]) -> str:
        # Pieces are taken 64 at a time (C-speed) so the size is known before the join, while
        # at most 64 pieces are held beyond the limit.
        pieces: list[str] = []
        size = 0
        parts = iter(parts)
        while chunk := list(islice(parts, 64)):
            size += sum(map(len, chunk))
            if size > MAX_TEXT_CHARS:
                _check_text(size, "the rendered text")
            pieces += chunk
        return "".join(pieces)

    @staticmethod
    def checked_concat(join: Callable[[Iterable[Any]], str], parts: tuple[Any, ...]) -> str:
        try:
            size = sum(map(len, parts))
        except TypeError:  # numbers and other objects: their text is short
            size = sum(len(p) if isinstance(p, str) else 32 for p in parts)
        _check_text(size, "a ~ concatenation")
        return join(parts)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _check_binop(operator, left, right)
        return self.binop_table[operator](left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _spend()
        if __obj is pick or __obj is safe_range:
            # Our own plain functions: skip Jinja's introspection (which also drops these).
            kwargs.pop("_loop_vars", None)
            kwargs.pop("_block_vars", None)
            return __obj(*args, **kwargs)
        return super().call(__context, __obj, *args, **kwargs)

    def wrap_str_format(self, value: Any) -> None:
        # Jinja would hand out a sandboxed str.format; letters get none (refused below instead).
        return None

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        allowed = _SAFE_BY_TYPE.get(type(obj))
        if allowed is not None:
            return attr in allowed
        if type(obj) is LoopContext:
            return not attr.startswith("_")
        for types, allowed in _SAFE_METHODS:
            if isinstance(obj, types):
                return attr in allowed
        return super().is_safe_attribute(obj, attr, value)

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is Record:
            fields = obj.fields
            if attribute in fields:
                return fields[attribute]
            return self.undefined(
                f"{obj.label} has no field {attribute!r} (fields: {', '.join(fields)})",
                obj=obj,
                name=attribute,
            )
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if type(obj) is Record and isinstance(argument, str):
            return self.getattr(obj, argument)
        return super().getitem(obj, argument)
