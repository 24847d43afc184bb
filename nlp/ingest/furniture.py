"""Page furniture: running headers and footers, page numbers, logo text.

Two kinds of evidence: patterns that are furniture wherever they stand ("Sid 4 (72)",
"start.stockholm"), and, for PDFs, lines repeated in the top or bottom band of many pages.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .metadata import load_structure

# "Sid 4 (72)", "Sida 4 av 72", "4 (72)", "4(72)", "4/72", "- 4 -", a bare number.
PAGE_NUMBER = re.compile(
    r"^\s*(?:(?:sid|sida|s\.)\s*)?[-–]?\s*(?P<n>\d{1,4})\s*(?:(?:\(|av\s+|/\s*)(?P<m>\d{1,4})\)?)?\s*[-–]?\s*$",
    re.IGNORECASE,
)
# "Norra innerstadens stadsdelsnämnd, Tertialrapport 13(97)": a running title with a page.
RUNNING_TITLE_WITH_PAGE = re.compile(
    r"^(?P<title>.{3,120}?(?:nämnd|förvaltning|rapport|berättelse|utlåtande)[^()]{0,60}?)\s*(?P<n>\d{1,4})\s*\((?P<m>\d{1,4})\)\s*$",
    re.IGNORECASE,
)
# Lines that are nothing but a furniture text ("Tjänsteutlåtande", "start.stockholm"):
# the report vocabulary's "structure" section.
FURNITURE_TEXTS = load_structure().furniture_texts
# Reference lines of a page header: "Dnr 1.2.3-45/2020", "Handläggare: Anna Berg".
REFERENCE_LINE = re.compile(r"^((dnr|diarienummer)\b\s*[:.]?\s*\S*\d\S*$|(handläggare|telefon|tfn|e-post)\s*:)", re.IGNORECASE)


@dataclass(frozen=True)
class PageMarker:
    """A page number read from furniture: ``number`` of ``total``; ``is_header`` tells
    whether the text after the marker is on that page (header) or the next (footer)."""

    number: int
    total: int | None
    is_header: bool


def page_marker(text: str) -> PageMarker | None:
    """The page number a furniture line states, if it states one."""
    stripped = text.strip()
    match = RUNNING_TITLE_WITH_PAGE.match(stripped) if stripped.endswith(")") else None
    if match:
        return PageMarker(int(match["n"]), int(match["m"]), is_header=False)
    match = PAGE_NUMBER.match(stripped)
    if match and match["m"] is not None:
        return PageMarker(int(match["n"]), int(match["m"]), is_header=True)
    return None


def is_pattern_furniture(text: str, allow_bare_number: bool = False) -> bool:
    """True for lines that are furniture by their form alone."""
    stripped = " ".join(text.split())
    if not stripped:
        return False
    folded = stripped.casefold()
    if folded in FURNITURE_TEXTS or REFERENCE_LINE.match(stripped):
        return True
    if stripped.endswith(")") and RUNNING_TITLE_WITH_PAGE.match(stripped):  # it ends "13(97)"
        return True
    match = PAGE_NUMBER.match(stripped)
    if match:
        if match["m"] is not None or stripped.lower().startswith(("sid", "s.")):
            return True
        return allow_bare_number
    return False


def furniture_key(text: str) -> str:
    """Normalise a line so that the same header on different pages compares equal."""
    return re.sub(r"\d+", "#", " ".join(text.split()).casefold())


def repeated_band_lines(
    page_lines: list[list[tuple[str, str]]], min_share: float = 0.4, min_pages: int = 3
) -> set[str]:
    """Keys of lines that recur in the header/footer band of many pages.

    ``page_lines`` holds, per page, ``(key, band)`` pairs where band is "top" or "bottom".
    """
    counts: Counter[tuple[str, str]] = Counter()
    for lines in page_lines:
        counts.update(set(lines))
    pages = len(page_lines)
    threshold = max(min_pages, int(min_share * pages + 0.5))
    if pages < min_pages:
        threshold = pages + 1  # too few pages to call anything repeated
    return {key for (key, _band), n in counts.items() if n >= threshold}
