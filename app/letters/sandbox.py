"""The Jinja2 sandbox letters are rendered in: immutable, strict, and with a budget.

Templates are written by organisers, who are trusted less than the code: a template must not read
Python internals, and must not exhaust the machine. Jinja's ``ImmutableSandboxedEnvironment``
handles the first; it does nothing about the second, so this module applies the limits of
``app/letters/limits.py``, checked *before* a large value is built:

- ``*``, ``**``, ``+`` and ``~`` check the size of their result from the sizes of their operands;
  ``%`` on strings (printf formatting, whose width field allocates) is refused;
- ``range`` is capped, and every loop iteration and every call spends one step of a per-render
  budget, so nested loops and recursive macros stop early;
- the filters on offer are a fixed list; those that can grow text check the size first;
- anything that is not text is sized before it is printed, joined or concatenated (a list of
  lists can be small to build and enormous as text);
- rendered text (and every ``{% set %}`` block) is joined only after its length is checked;
- on strings, lists, dicts and numbers only a short list of harmless methods is reachable, which
  also closes the published ``str.format``/``format_map`` escapes; ``|attr`` is not offered.
"""

import hashlib
from collections.abc import Callable, Iterable
from datetime import date
from itertools import islice
from typing import Any

from jinja2 import StrictUndefined, nodes
from jinja2.compiler import CodeGenerator, Frame, optimizeconst
from jinja2.runtime import LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment

from app.letters import limits
from app.letters.limits import (
    GUARDED_FILTERS,
    MAX_TEXT_CHARS,
    TEXT_FILTERS,
    begin_render,
    check_binop,
    check_text,
    end_render,
    safe_range,
    spend,
    text_input,
    text_size,
)

__all__ = ["LetterEnvironment", "Record", "begin_render", "end_render", "long_date", "pick"]


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


def pick(*options: Any) -> Any:
    """One of the options, chosen by the render's variant seed: same supporter and office, same
    choice; a different supporter or office, likely another. Stable across processes."""
    if len(options) == 1 and isinstance(options[0], list | tuple):
        options = tuple(options[0])
    if not options:
        raise ValueError("pick() needs at least one option")
    state = limits.state.get()
    # One 64-byte BLAKE2b digest serves sixteen picks; the next sixteen hash the seed again.
    index = state.picks % 16
    if index == 0:
        counter = (state.picks // 16).to_bytes(4, "big")
        state.pool = hashlib.blake2b(state.seed + counter).digest()
    state.picks += 1
    value = int.from_bytes(state.pool[index * 4 : index * 4 + 4], "big")
    return options[value % len(options)]


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


def _finalize(value: Any) -> Any:
    if type(value) is str:
        return value
    check_text(text_size(value), "a printed value")
    return value


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
        offered: dict[str, Callable[..., Any]] = {
            name: text_input(self.filters[name]) if name in TEXT_FILTERS else self.filters[name]
            for name in kept
        }
        self.filters = offered | GUARDED_FILTERS | {"long_date": long_date}
        # Everything printed with {{ }} passes here first: a list or dict is sized before str().
        self.finalize = _finalize
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
                check_text(size, "the rendered text")
            pieces += chunk
        return "".join(pieces)

    @staticmethod
    def checked_concat(join: Callable[[Iterable[Any]], str], parts: tuple[Any, ...]) -> str:
        # Parts that are not text are sized as str() would print them (len() of a list is not).
        size = sum(len(p) if type(p) is str else text_size(p) for p in parts)
        check_text(size, "a ~ concatenation")
        return join(parts)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        check_binop(operator, left, right)
        return self.binop_table[operator](left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        spend()
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
