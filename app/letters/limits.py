"""The limits a letter template runs under, checked before a large value is built.

One render has a budget of steps (loop iterations, calls, walks over large values); every string,
list or printed value has a size limit. The guards here are called by the sandbox
(``app/letters/sandbox.py``): from the intercepted operators, from the filters that can grow text,
and before anything that is not already text is turned into text (printing, ``~``, filters).
"""

import contextvars
from collections.abc import Callable, ItemsView, Iterable, Iterator, KeysView, ValuesView
from datetime import date
from functools import wraps
from itertools import chain
from typing import Any

from jinja2 import filters
from jinja2.runtime import Namespace
from jinja2.sandbox import SecurityError
from jinja2.utils import _PassArg

MAX_TEMPLATE_CHARS = 50_000
MAX_TEXT_CHARS = 100_000  # any one string, list or printed value, and the letter itself
MAX_RANGE = 1_000
MAX_STEPS = 10_000  # loop iterations plus calls, per render
MAX_INT_BITS = 4_096


class RunawayTemplateError(SecurityError):
    """The template tried to build something larger, or run longer, than a letter ever needs."""


class RenderState:
    __slots__ = ("picks", "pool", "seed", "steps")

    def __init__(self, seed: bytes) -> None:
        self.steps = 0
        self.picks = 0
        self.seed = seed
        self.pool = b""


state: contextvars.ContextVar[RenderState] = contextvars.ContextVar("letter_render_state")


def begin_render(seed: bytes) -> contextvars.Token[RenderState]:
    return state.set(RenderState(seed))


def end_render(token: contextvars.Token[RenderState]) -> None:
    state.reset(token)


def spend(n: int = 1) -> None:
    current = state.get()
    current.steps += n
    if current.steps > MAX_STEPS:
        raise RunawayTemplateError(f"the template ran more than {MAX_STEPS} loop steps or calls")


def check_text(size: int, what: str) -> None:
    if size > MAX_TEXT_CHARS:
        raise RunawayTemplateError(f"{what} would be {size} long; the limit is {MAX_TEXT_CHARS}")


def text_size(value: Any, limit: int = MAX_TEXT_CHARS) -> int:
    """About ``len(str(value))``, counted without building the text, and only until it passes
    ``limit``. Walking a large container spends steps, so repeated walks stay cheap overall."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, bool) or value is None:
        return 5
    if isinstance(value, int):
        return value.bit_length() // 3 + 2
    if isinstance(value, float | date | range):
        return 32
    if isinstance(value, dict | ItemsView):
        items: Iterable[Any] = chain.from_iterable(
            value.items() if isinstance(value, dict) else value
        )
    elif isinstance(value, list | tuple | set | frozenset | KeysView | ValuesView):
        items = value
    elif isinstance(value, Namespace):  # its repr shows every attribute
        return 16 + text_size(getattr(value, "_Namespace__attrs", {}), limit)
    else:
        return 64  # other objects print a short repr
    total, seen = 2, 0
    for item in items:
        total += text_size(item, limit - total) + 2
        seen += 1
        if total > limit:
            break
    spend(seen // 64)
    return total


def checked_text(value: Any, what: str) -> Any:
    if type(value) is not str:
        check_text(text_size(value), what)
    return value


def check_binop(op: str, left: Any, right: Any) -> None:
    """``*``, ``**`` and ``+`` are checked from their operands' sizes; ``%`` on text refused."""
    if op == "*":
        for seq, count in ((left, right), (right, left)):
            if isinstance(seq, str | list | tuple) and isinstance(count, int):
                check_text(len(seq) * max(count, 0), "a repeated value")
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
        if isinstance(left, str | list | tuple) and isinstance(right, str | list | tuple):
            check_text(len(left) + len(right), "a concatenation")
    elif op == "%" and isinstance(left, str):
        raise SecurityError("'%' formatting of text is not available in letters; use ~ and filters")


def safe_range(*args: int) -> range:
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise RunawayTemplateError(f"range() of {len(rng)} items; the limit is {MAX_RANGE}")
    return rng


def budgeted(iterable: Iterable[Any]) -> Iterator[Any]:
    """Wraps every ``{% for %}`` loop's iterable: one step per iteration."""
    for item in iterable:
        spend()
        yield item


def bounded_list(value: Iterable[Any]) -> list[Any]:
    items: list[Any] = []
    for item in value:
        items.append(item)
        check_text(len(items), "a list")
    return items


def text_input(filter_func: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that turns its input into text checks the input's printed size first."""
    offset = 1 if _PassArg.from_obj(filter_func) is not None else 0

    @wraps(filter_func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if len(args) > offset:
            checked_text(args[offset], "a filter's input")
        return filter_func(*args, **kwargs)

    return guarded


def join(eval_ctx: Any, value: Iterable[Any], d: str = "", attribute: Any = None) -> str:
    items = bounded_list(value)
    size = text_size(d) * max(len(items) - 1, 0)
    for item in items:
        size += text_size(item)
        check_text(size, "a joined text")
    return filters.sync_do_join(eval_ctx, items, d, attribute)


def replace(eval_ctx: Any, s: str, old: str, new: str, count: int | None = None) -> str:
    text, old, new = str(checked_text(s, "a replaced text")), str(old), str(new)
    hits = text.count(old) if old else len(text) + 1
    if count is not None and count >= 0:
        hits = min(hits, count)
    check_text(len(text) + hits * (len(new) - len(old)), "a replaced text")
    return filters.do_replace(eval_ctx, s, old, new, count)


def center(value: str, width: int = 80) -> str:
    check_text(max(int(width), text_size(value)), "a centred text")
    return filters.do_center(value, width)


def indent(s: str, width: int | str = 4, first: bool = False, blank: bool = False) -> str:
    pad = len(width) if isinstance(width, str) else int(width)
    text = str(checked_text(s, "an indented text"))
    check_text(len(text) + pad * (text.count("\n") + 1), "an indented text")
    return filters.do_indent(s, width, first, blank)


def wordwrap(env: Any, s: str, width: int = 79, *args: Any, **kwargs: Any) -> str:
    wrap = kwargs.get("wrapstring") or (args[1] if len(args) > 1 else None) or "\n"
    size = text_size(s)
    check_text(size + len(str(wrap)) * (size // max(int(width), 1) + 1), "a wrapped text")
    return filters.do_wordwrap(env, s, width, *args, **kwargs)


def batch(value: Iterable[Any], linecount: int, fill_with: Any = None) -> Iterator[list[Any]]:
    check_text(int(linecount), "a batch")
    return filters.do_batch(value, linecount, fill_with)


def slice_(value: Iterable[Any], slices: int, fill_with: Any = None) -> Iterator[list[Any]]:
    if int(slices) > MAX_RANGE:
        raise RunawayTemplateError(f"slice() into {slices} parts; the limit is {MAX_RANGE}")
    return filters.sync_do_slice(value, slices, fill_with)


def sum_(env: Any, iterable: Iterable[Any], attribute: Any = None, start: Any = 0) -> Any:
    items = bounded_list(iterable)
    if not isinstance(start, int | float):  # summing lists concatenates them
        size = text_size(start)
        for item in items:
            size += text_size(item)
            check_text(size, "a sum")
    return filters.sync_do_sum(env, items, attribute, start)


GUARDED_FILTERS: dict[str, Callable[..., Any]] = {
    "join": filters.pass_eval_context(join),
    "replace": filters.pass_eval_context(replace),
    "center": center,
    "indent": indent,
    "wordwrap": filters.pass_environment(wordwrap),
    "batch": batch,
    "slice": slice_,
    "sum": filters.pass_environment(sum_),
    "list": bounded_list,
    "_budgeted": budgeted,
}
# Jinja's own filters that print their input, wrapped with text_input.
# fmt: off
TEXT_FILTERS = frozenset({
    "capitalize", "e", "escape", "forceescape", "lower", "string", "striptags", "title", "trim",
    "truncate", "upper", "urlencode", "wordcount",
})
# fmt: on
