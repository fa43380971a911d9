"""Charts drawn on the server as inline SVG: no script, no external CDN, readable on a phone.

Each chart scales to its container (``viewBox`` with ``width=100%``), carries a ``<title>`` and an
``aria-label`` for screen readers, and every bar has a tooltip with its exact figure. The page
also offers each chart's numbers as a table.
"""

from markupsafe import Markup, escape

WIDTH = 420
BAR_HEIGHT = 22
LABEL_WIDTH = 160
LABEL_CHARS = 22
COLOURS = ("#2b6cb0", "#2f855a", "#b7791f", "#c53030", "#6b46c1", "#2c7a7b", "#97266d")


def bar_chart(title: str, items: list[tuple[str, int]], *, colour: str = COLOURS[0]) -> Markup:
    """Horizontal bars, one per item, longest first as given."""
    if not items:
        return _empty(title)
    top = max(n for _, n in items) or 1
    height = BAR_HEIGHT * len(items) + 8
    span = WIDTH - LABEL_WIDTH - 45
    parts = [_open(title, height)]
    for index, (label, value) in enumerate(items):
        y = 4 + index * BAR_HEIGHT
        width = max(1.0, span * value / top) if value else 0.0
        short = label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"
        parts.append(
            f"<g><title>{escape(label)}: {value:,}</title>"
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end">{escape(short)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{width:.1f}" height="{BAR_HEIGHT - 6}"'
            f' fill="{colour}" rx="2"/>'
            f'<text x="{LABEL_WIDTH + width + 5:.1f}" y="{y + 15}">{value:,}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def day_chart(title: str, days: list[tuple[str, int]], *, colour: str = COLOURS[1]) -> Markup:
    """Columns per calendar day, first and last day and the busiest day's figure labelled."""
    if not days:
        return _empty(title)
    height = 180
    plot_top, plot_bottom, left, right = 20, 150, 40, WIDTH - 10
    top = max(n for _, n in days) or 1
    step = (right - left) / len(days)
    parts = [
        _open(title, height),
        f'<line x1="{left}" y1="{plot_bottom}" x2="{right}" y2="{plot_bottom}" stroke="#999"/>',
        f'<text x="{left - 4}" y="{plot_top + 4}" text-anchor="end">{top:,}</text>',
        f'<text x="{left - 4}" y="{plot_bottom}" text-anchor="end">0</text>',
    ]
    for index, (day, value) in enumerate(days):
        bar = (plot_bottom - plot_top) * value / top
        x = left + index * step
        parts.append(
            f'<rect x="{x:.2f}" y="{plot_bottom - bar:.2f}" width="{max(step - 1, 0.5):.2f}"'
            f' height="{bar:.2f}" fill="{colour}"><title>{escape(day)}: {value:,}</title></rect>'
        )
    parts.append(f'<text x="{left}" y="{plot_bottom + 18}">{escape(days[0][0])}</text>')
    if len(days) > 1:
        last = escape(days[-1][0])
        parts.append(f'<text x="{right}" y="{plot_bottom + 18}" text-anchor="end">{last}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _open(title: str, height: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%"'
        f' role="img" aria-label="{escape(title)}" class="chart" font-size="13"'
        f' font-family="system-ui, sans-serif"><title>{escape(title)}</title>'
    )


def _empty(title: str) -> Markup:
    return Markup(f'{_open(title, 40)}<text x="10" y="25" fill="#666">No letters yet.</text></svg>')
