"""The plan's timeline (Gantt) drawn as SVG on the server: one bar per activity window, coloured by state, with
today's line. No script: each bar is a link to its activity and carries a tooltip (<title>)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape

STATE_COLOURS = {
    "planned": "#c9d3df",
    "assigned": "#f2b134",
    "reported": "#2c64b4",
    "accepted": "#1e7b45",
    "overdue": "#c0392b",
    "returned": "#b4531b",
    "cancelled": "#6b6b6b",
}
STATES = tuple(STATE_COLOURS)
PROGRESS_ORDER = ("accepted", "cancelled", "reported", "assigned", "returned", "overdue", "planned")


@dataclass(frozen=True)
class Bar:
    key: str
    label: str  # short title
    start: date
    end: date
    state: str
    state_label: str
    href: str
    leads: str
    status_label: str = ""  # the four-way status in words (models/rules/status.py)
    colour: str = ""  # ... and its colour; the state's colour when not given


@dataclass(frozen=True)
class Band:
    """A phase: its name, window and activities."""

    name: str
    start: date
    end: date
    bars: tuple[Bar, ...]


def _x(day: date, first: date, last: date, left: float, width: float) -> float:
    span = max((last - first).days, 1)
    return left + width * (day - first).days / span


def timeline_svg(
    bands: list[Band],
    today: date,
    *,
    today_label: str,
    label: str,
    lang: str,
    width: int = 1180,
    row: int = 22,
    label_width: int = 360,
) -> str:
    """The whole timeline as one <svg> element (UTF-8 text, escaped). ``label`` names it for screen readers, in the
    page's language; it is a group (its bars are links), not an image."""
    days = [b.start for band in bands for b in band.bars] + [band.start for band in bands]
    ends = [b.end for band in bands for b in band.bars] + [band.end for band in bands]
    if not days:
        return f'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" role="img" aria-label="{escape(label)}"></svg>'
    first = date(min(days).year, min(days).month, 1)
    last_day = max(ends)
    last = date(last_day.year + (last_day.month == 12), last_day.month % 12 + 1, 1)
    left, right, top = label_width, width - 12, 34
    plot = right - left
    rows = sum(1 + len(band.bars) for band in bands)
    height = top + rows * row + 16
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="gantt" viewBox="0 0 {width} {height}" width="100%" '
        f'role="group" aria-label="{escape(label)}" lang="{escape(lang)}" font-family="sans-serif" font-size="12">'
    ]
    # month grid, year labels
    m = first
    while m <= last:
        x = _x(m, first, last, left, plot)
        if m.month == 1 or m == first:
            out.append(
                f'<line x1="{x:.1f}" y1="{top - 14}" x2="{x:.1f}" y2="{height - 8}" stroke="#9aa5b1" stroke-width="1"/>'
            )
            if x < right - 30:
                out.append(f'<text x="{x + 4:.1f}" y="{top - 18}" fill="#333" font-weight="bold">{m.year}</text>')
        else:
            out.append(
                f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 8}" stroke="#e3e8ee" stroke-width="1"/>'
            )
        if m < last:
            mid = _x(date(m.year, m.month, 15), first, last, left, plot)
            out.append(
                f'<text x="{mid:.1f}" y="{top - 4}" fill="#7b8794" font-size="9" text-anchor="middle">{m.month}</text>'
            )
        m = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
    y = top
    for band in bands:
        x1, x2 = _x(band.start, first, last, left, plot), _x(band.end, first, last, left, plot)
        out.append(f'<rect x="0" y="{y}" width="{width}" height="{row}" fill="#eef2f7"/>')
        out.append(f'<rect x="{x1:.1f}" y="{y + 8}" width="{max(x2 - x1, 2):.1f}" height="6" fill="#52606d" rx="3"/>')
        out.append(f'<text x="6" y="{y + 15}" font-weight="bold" fill="#1f2933">{escape(_cut(band.name, 48))}</text>')
        y += row
        for b in band.bars:
            x1, x2 = (
                _x(b.start, first, last, left, plot),
                _x(b.end, first, last, left, plot) + plot / max((last - first).days, 1),
            )
            colour = b.colour or STATE_COLOURS.get(b.state, "#999")
            status = f" · {b.status_label}" if b.status_label else ""
            tip = escape(
                f"{b.key} · {b.state_label}{status} · {b.start.strftime('%d/%m/%Y')} – {b.end.strftime('%d/%m/%Y')}"
                f" · {b.leads}\n{b.label}"
            )
            out.append(f'<a href="{escape(b.href)}"><title>{tip}</title>')
            out.append(
                f'<text x="6" y="{y + 15}" fill="#1f2933"><tspan font-weight="bold">{escape(b.key)}</tspan> '
                f"{escape(_cut(b.label, 44))}</text>"
            )
            out.append(
                f'<rect class="bar state-{escape(b.state)}" x="{x1:.1f}" y="{y + 4}" '
                f'width="{max(x2 - x1, 3):.1f}" height="{row - 8}" rx="3" fill="{colour}"/>'
            )
            out.append("</a>")
            y += row
    if first <= today <= last:
        x = _x(today, first, last, left, plot)
        out.append(
            f'<line class="today" x1="{x:.1f}" y1="{top - 28}" x2="{x:.1f}" y2="{height - 4}" stroke="#c0392b" '
            f'stroke-width="2" stroke-dasharray="5,3"/>'
        )
        anchor = "end" if x > width - 140 else "start"
        dx = -4 if anchor == "end" else 4
        out.append(
            f'<text x="{x + dx:.1f}" y="{top - 20}" fill="#c0392b" font-weight="bold" '
            f'text-anchor="{anchor}">{escape(today_label)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def _cut(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def progress_svg(counts: dict[str, int], labels: dict[str, str], width: int = 260, height: int = 14) -> str:
    """A stacked bar of states (accepted first) as a small SVG; empty states are left out. Its accessible name
    says the counts in words (``labels``: the states in the page's language)."""
    total = sum(counts.values())
    said = ", ".join(f"{labels.get(st, st)}: {counts[st]}" for st in PROGRESS_ORDER if counts.get(st))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="progress" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(said or "0")}">',
        f'<rect width="{width}" height="{height}" rx="3" fill="#eef2f7"/>',
    ]
    x = 0.0
    for state in PROGRESS_ORDER:
        n = counts.get(state, 0)
        if not n or not total:
            continue
        w = width * n / total
        out.append(
            f'<rect x="{x:.2f}" width="{w:.2f}" height="{height}" fill="{STATE_COLOURS[state]}">'
            f"<title>{escape(labels.get(state, state))}: {n}</title></rect>"
        )
        x += w
    out.append("</svg>")
    return "".join(out)


def rate_svg(rate: float | None, width: int = 160, height: int = 12) -> str:
    """A single bar for a share (0..1), green when high, red when low; the figure beside it says the share, so the
    bar is decoration (hidden from screen readers)."""
    if rate is None:
        return ""
    colour = (
        STATE_COLOURS["accepted"]
        if rate >= 0.8
        else STATE_COLOURS["assigned"]
        if rate >= 0.5
        else STATE_COLOURS["overdue"]
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="rate" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-hidden="true"><rect width="{width}" height="{height}" rx="3" fill="#eef2f7"/>'
        f'<rect width="{width * rate:.1f}" height="{height}" rx="3" fill="{colour}"/></svg>'
    )
