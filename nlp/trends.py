"""Theme trends: the share of report text (by words) carrying each theme, per district and
year, computed and drawn in one place for ``rapport trends`` (batch output),
``rapport themes summary`` (reports read now) and the web app's theme page.

A unit is a passage or a whole report: its district, year, report id, word count and the
words that carry each theme. Shares are word-weighted sums over the units of a group, so
passages and per-report rows give the same figures.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

TITLE = "Andel av texten per tema, stadsdel och år"
UNKNOWN_DISTRICT = "okänd"


@dataclass
class TrendUnit:
    district: str | None
    year: int | None
    doc: str
    words: int
    theme_words: dict[str, float]  # theme → words of the unit that carry it
    passages: int = 1


@dataclass
class TrendRow:
    district: str | None
    year: int | None
    documents: list[str]
    passages: int
    words: int
    shares: dict[str, float] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.district or UNKNOWN_DISTRICT} {self.year or ''}".strip()

    def to_record(self, digits: int | None = 4) -> dict[str, Any]:
        shares = {t: (round(v, digits) if digits is not None else v) for t, v in self.shares.items()}
        return {"district": self.district, "year": self.year, "documents": self.documents, "passages": self.passages,
                "words": self.words, "shares": shares}


def passage_unit(district: str | None, year: int | None, doc: str, text: str, labels: Iterable[str],
                 theme_ids: Sequence[str]) -> TrendUnit:
    words = len(text.split())
    on = set(labels)
    return TrendUnit(district, year, doc, words, {t: float(words) if t in on else 0.0 for t in theme_ids})


def theme_trends(units: Iterable[TrendUnit], theme_ids: Sequence[str],
                 unknown: str | None = UNKNOWN_DISTRICT) -> list[TrendRow]:
    """One row per (district, year), sorted by district then year; an unknown district is
    grouped under ``unknown``."""
    groups: dict[tuple[Any, int | None], list[TrendUnit]] = defaultdict(list)
    for unit in units:
        groups[(unit.district or unknown, unit.year)].append(unit)
    rows = []
    for (district, year), members in sorted(groups.items(), key=lambda kv: (kv[0][0] or "", kv[0][1] or 0)):
        words = sum(u.words for u in members)
        shares = {t: (sum(u.theme_words.get(t, 0.0) for u in members) / words if words else 0.0) for t in theme_ids}
        rows.append(TrendRow(district, year, sorted({u.doc for u in members}), sum(u.passages for u in members),
                             int(words), shares))
    return rows


def _series(rows: Sequence[TrendRow], theme_ids: Sequence[str], labels: dict[str, str] | None) -> dict[str, list[float]]:
    """Each theme's shares across the rows, named by its label."""
    return {(labels or {}).get(t, t): [r.shares[t] for r in rows] for t in theme_ids}


def chart_svg(rows: Sequence[TrendRow], theme_ids: Sequence[str], labels: dict[str, str] | None = None,
              title: str = TITLE, width: int | None = None) -> str:
    from .charts import grouped_bar_svg

    kwargs = {"width": width} if width else {}
    return grouped_bar_svg([r.label for r in rows], _series(rows, theme_ids, labels), title, **kwargs)


def render_html(rows: Sequence[TrendRow], theme_ids: Sequence[str], labels: dict[str, str] | None = None,
                title: str = TITLE) -> str:
    """A stand-alone page: the grouped bar chart and the table of shares."""
    from .charts import html_page, html_table

    names = [(labels or {}).get(t, t) for t in theme_ids]
    table = html_table(["stadsdel och år", "rapporter", "ord"] + names,
                       [[r.label, str(len(r.documents)), f"{r.words:,}"] + [f"{r.shares[t]:.1%}" for t in theme_ids]
                        for r in rows])
    return html_page(title, chart_svg(rows, theme_ids, labels, title) + table)


def save_chart(path: str | Path, rows: Sequence[TrendRow], theme_ids: Sequence[str],
               labels: dict[str, str] | None = None, title: str = TITLE) -> Path:
    """The chart as .png, or the page as .html (written atomically)."""
    from .errors import InputError

    path = Path(path)
    if path.suffix.lower() == ".png":
        from .charts import save_bar_png

        save_bar_png(path, [r.label for r in rows], _series(rows, theme_ids, labels), title)
    elif path.suffix.lower() in (".html", ".htm"):
        from .store import atomic_write_text

        atomic_write_text(path, render_html(rows, theme_ids, labels, title))
    else:
        raise InputError(f"{path}: give an .html or .png file for the chart.")
    return path
