"""Small self-contained charts (HTML with inline SVG; PNG through matplotlib if installed).

No JavaScript, no downloads: the page opens offline and prints well.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Mapping, Sequence

PALETTE = ("#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f")


def grouped_bar_svg(groups: Sequence[str], series: Mapping[str, Sequence[float]], title: str,
                    value_format: str = "{:.0%}", width: int = 900, height: int = 360) -> str:
    """A grouped bar chart: one group per x label (e.g. "Södermalm 2020"), one bar per series."""
    margin_left, margin_bottom, margin_top = 50, 90, 40
    plot_w = width - margin_left - 20
    plot_h = height - margin_bottom - margin_top
    top = max([v for values in series.values() for v in values] + [1e-9])
    n_series = max(1, len(series))
    group_w = plot_w / max(1, len(groups))
    bar_w = group_w * 0.8 / n_series
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'aria-label="{html.escape(title)}" font-family="sans-serif" font-size="11">',
             f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="14">{html.escape(title)}</text>']
    for k in range(5):
        value = top * k / 4
        y = margin_top + plot_h - plot_h * k / 4
        parts.append(f'<line x1="{margin_left}" x2="{width - 20}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{margin_left - 5}" y="{y + 4:.1f}" text-anchor="end">{value_format.format(value)}</text>')
    for g, group in enumerate(groups):
        x0 = margin_left + g * group_w + group_w * 0.1
        for s, (name, values) in enumerate(series.items()):
            value = values[g]
            h = plot_h * value / top
            x = x0 + s * bar_w
            y = margin_top + plot_h - h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" fill="{PALETTE[s % len(PALETTE)]}">'
                         f'<title>{html.escape(group)} · {html.escape(name)}: {value_format.format(value)}</title></rect>')
        label_x = margin_left + g * group_w + group_w / 2
        parts.append(f'<text x="{label_x:.1f}" y="{margin_top + plot_h + 14}" text-anchor="end" '
                     f'transform="rotate(-30 {label_x:.1f} {margin_top + plot_h + 14})">{html.escape(group)}</text>')
    for s, name in enumerate(series):
        parts.append(f'<rect x="{margin_left + s * 140}" y="{height - 18}" width="10" height="10" fill="{PALETTE[s % len(PALETTE)]}"/>'
                     f'<text x="{margin_left + s * 140 + 14}" y="{height - 9}">{html.escape(name)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def html_page(title: str, body: str) -> str:
    return (f'<!doctype html>\n<html lang="sv"><head><meta charset="utf-8">'
            # marks rapport's own output so that reading a folder does not take it for a report
            '<meta name="generator" content="rapport">'
            f'<title>{html.escape(title)}</title>'
            '<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em}'
            'table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}'
            'th:first-child,td:first-child{text-align:left}</style></head>'
            f'<body><h1>{html.escape(title)}</h1>\n{body}\n</body></html>\n')


def html_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th scope=\"col\">{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def save_bar_png(path: Path, groups: Sequence[str], series: Mapping[str, Sequence[float]], title: str) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - matplotlib is a declared dependency
        raise RuntimeError("PNG charts need matplotlib; use an .html output instead.") from exc
    fig, ax = plt.subplots(figsize=(max(6, len(groups) * 0.9), 4))
    n = max(1, len(series))
    width = 0.8 / n
    for s, (name, values) in enumerate(series.items()):
        ax.bar([g + s * width for g in range(len(groups))], values, width, label=name, color=PALETTE[s % len(PALETTE)])
    ax.set_xticks([g + 0.4 - width / 2 for g in range(len(groups))], groups, rotation=30, ha="right")
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
