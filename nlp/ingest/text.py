"""Reading PDF-extracted plain text into a line stream.

Extractions differ: some put an empty line after every line, some keep running headers
and footers, some mark a new page with a leading space. The reader undoes those quirks so
that the segmenter sees the same kind of line stream a PDF gives.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from pathlib import Path

from charset_normalizer import from_bytes

from ..errors import InputError
from .furniture import is_pattern_furniture, page_marker
from .hyphenation import SOFT_HYPHEN, SOFT_MARKS, strip_soft_hyphens
from ..model import Furniture
from .lines import Line

STATUS_LINE = re.compile(r"^(Uppfylls|Uppfyllt|Ej uppfyllt|Delvis uppfyllt|Bedöms )", re.IGNORECASE)
TABLE_HEADER_LINE = re.compile(r"^(Indikator|Aktivitet)\b")


def decode_bytes(data: bytes, name: str = "input") -> tuple[str, str]:
    """Decode report text: UTF-8 when valid, otherwise the best legacy encoding
    (cp1252/latin-1 are what Swedish Windows exports use). Returns (text, encoding)."""
    if not data.strip():
        raise InputError(f"{name}: the file is empty.")
    for bom, encoding in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):  # Windows "Unicode" text: UTF-16 with a byte-order mark
            try:
                return data[2:].decode(encoding), "utf-16"
            except UnicodeDecodeError:
                raise InputError(f"{name}: starts as UTF-16 text but is not valid UTF-16; save it as UTF-8.") from None
    if b"\x00" in data[:4096]:
        if _looks_like_utf16(data[:4096]):
            raise InputError(f"{name}: looks like UTF-16 text without a byte-order mark; save it as UTF-8 "
                             "(or as UTF-16 with a BOM) and try again.")
        raise InputError(f"{name}: this is a binary file, not text. Give a PDF or a text file.")
    if data.startswith(b"%PDF"):
        raise InputError(f"{name}: this is a PDF; give it a .pdf name so it is read as one.")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data, cp_isolation=["cp1252", "latin_1", "iso8859_15", "cp850", "mac_roman", "utf_16"]).best()
    if best is None:
        raise InputError(f"{name}: cannot tell the text encoding; save it as UTF-8 and try again.")
    encoding = best.encoding
    return data.decode(encoding, errors="strict"), encoding


def _looks_like_utf16(head: bytes) -> bool:
    # ASCII-range text in UTF-16 has a NUL in every other byte
    even, odd = head[0::2], head[1::2]
    return len(head) >= 8 and (even.count(0) > 0.4 * len(even) or odd.count(0) > 0.4 * len(odd)) \
        and head.count(0) < 0.6 * len(head)


def read_text_file(path: Path) -> tuple[str, str]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror}).") from exc
    return decode_bytes(data, str(path))


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return text.replace("\u00a0", " ").replace("\u2009", " ")


def _is_double_spaced(raw_lines: list[str]) -> bool:
    # Every text line followed by exactly one empty line.
    pairs = 0
    followed = 0
    for i, line in enumerate(raw_lines[:-1]):
        if line.strip():
            pairs += 1
            if raw_lines[i + 1] == "" and (i + 2 >= len(raw_lines) or raw_lines[i + 2] != ""):
                followed += 1
    return pairs > 20 and followed / pairs > 0.8


def text_to_lines(text: str) -> tuple[list[Line], dict[str, object]]:
    """Turn extracted text into lines with page numbers, paragraph-gap evidence and fill.

    Returns the lines and facts about the source (furniture removed, page evidence).
    """
    text = normalise(text)
    if "\f" in text:
        pages_text = text.split("\f")
    else:
        pages_text = [text]
    raw: list[tuple[str, int | None]] = []
    for page_no, page_text in enumerate(pages_text, start=1):
        for line in page_text.split("\n"):
            raw.append((line.rstrip(), page_no if len(pages_text) > 1 else None))
    double = _is_double_spaced([r[0] for r in raw])
    running = _running_header_lines([r[0] for r in raw])

    lines: list[Line] = []
    markers: list[tuple[int, object]] = []  # (index in lines, PageMarker)
    leading_starts: list[int] = []
    furniture = 0
    removed: list[Furniture] = []
    pending_gap = False
    pending_sep = False
    pending_page_break = False
    prev_page = None
    for i, (line, page) in enumerate(raw):
        if page != prev_page and prev_page is not None:
            pending_page_break = True
        prev_page = page
        if not line:
            if double:
                # In double-spaced extractions only a run of empty lines is a gap.
                if i > 0 and raw[i - 1][0] == "" and i + 1 < len(raw) and raw[i + 1][0] == "":
                    pending_gap = True
            else:
                pending_gap = True
            continue
        if not line.strip():
            pending_sep = True  # whitespace-only: cell or block separator in tables
            pending_gap = True
            continue
        stripped = _clean_line(line)
        marker = page_marker(stripped)
        if i in running:  # "Bromma stadsdelsnämnd" / "Tertialrapport 1 2024" beside "Sida 2 (30)"
            furniture += 1
            removed.append(Furniture(stripped, page, "running-header"))
            continue
        if is_pattern_furniture(stripped):
            furniture += 1
            removed.append(Furniture(stripped, page if page is not None or not marker else marker.number,
                                     "page-number" if marker else "pattern"))
            if marker:
                markers.append((len(lines), marker))
            pending_page_break = True
            continue
        starts_page = line.startswith(" ") and not line.startswith("  ") and not STATUS_LINE.match(stripped) and not TABLE_HEADER_LINE.match(stripped)
        if starts_page:
            leading_starts.append(len(lines))
        lines.append(
            Line(
                text=" ".join(stripped.split()),
                page=page,
                gap_before=pending_gap,
                separator_before=pending_sep,
                page_break_before=pending_page_break,
                extra={"leading_space": line.startswith(" ")},
            )
        )
        pending_gap = pending_sep = pending_page_break = False

    _set_fill(lines)
    pages_estimated = False
    if len(pages_text) == 1:
        pages_estimated = _assign_pages(lines, markers, leading_starts)
    facts = {
        "double_spaced": double,
        "furniture_lines": furniture,
        "furniture": removed,
        "page_markers": len(markers),
        "pages_estimated": pages_estimated,
        "total_pages": next((m.total for _, m in markers if m.total), None),
    }
    return lines, facts


def _running_header_lines(raw: list[str], reach: int = 3, max_chars: int = 90) -> set[int]:
    """Indices of running header/footer lines: short lines printed in the same run of lines
    as a page marker ("Sida 2 (30)") and repeated there on at least two pages. The same text
    elsewhere (the title page) is kept."""
    runs: list[list[int]] = []
    for index, line in enumerate(raw):
        cleaned = _clean_line(line)
        if not (cleaned and is_pattern_furniture(cleaned) and page_marker(cleaned)):
            continue
        run = []
        for step in (-1, 1):
            k = index + step
            while 0 <= k < len(raw) and abs(k - index) <= reach and raw[k].strip() and len(raw[k].strip()) <= max_chars:
                run.append(k)
                k += step
        runs.append(run)
    if len(runs) < 2:
        return set()
    seen: dict[str, int] = {}
    for run in runs:
        for key in {" ".join(raw[k].split()) for k in run}:
            seen[key] = seen.get(key, 0) + 1
    return {k for run in runs for k in run if seen[" ".join(raw[k].split())] >= 2}


def _clean_line(line: str) -> str:
    """Strip a line, drop inner soft hyphens, and keep a line-end one as U+00AD (a break
    inside a word that the segmenter closes without a hyphen)."""
    stripped = line.strip()
    soft_end = stripped.endswith(SOFT_MARKS)
    stripped = strip_soft_hyphens(stripped).rstrip()
    return stripped + SOFT_HYPHEN if soft_end else stripped


def _set_fill(lines: list[Line]) -> None:
    lengths = [len(line.text) for line in lines if len(line.text) > 30]
    if not lengths:
        width = 80.0
    else:
        lengths.sort()
        width = float(lengths[int(0.9 * (len(lengths) - 1))])
        width = max(width, statistics.median(lengths))
    for line in lines:
        line.fill = min(1.0, len(line.text) / width)


def _assign_pages(lines: list[Line], markers: list, leading_starts: list[int]) -> bool:
    """Give every line a page number when the extraction has page markers.

    Markers ("Sid 5 (72)", "... Tertialrapport 13(97)") anchor the numbering; between
    anchors, lines that begin with a single space (the extractor's page-start quirk) step
    the page on, never past the next anchor. Returns True when pages are estimates.
    """
    if not markers:
        return False
    # anchors: index of the first line of page `number`
    anchors: list[tuple[int, int]] = []
    for index, marker in markers:
        first_page = marker.number if marker.is_header else marker.number + 1
        if not anchors or anchors[-1][0] != index:
            anchors.append((index, first_page))
        else:
            anchors[-1] = (index, first_page)
    starts = set(leading_starts)
    # Before the first anchor, count page starts backwards from it.
    first_index, first_page = anchors[0]
    page = max(1, first_page - sum(1 for s in leading_starts if 0 < s < first_index) - 1)
    anchor_iter = iter(anchors + [(len(lines), None)])
    next_index, next_page = next(anchor_iter)
    for i, line in enumerate(lines):
        while i == next_index and next_page is not None:
            page = next_page
            next_index, next_page = next(anchor_iter)
        if i in starts and i > 0 and not (next_page is not None and page + 1 >= next_page) and not _near_anchor(i, anchors):
            page += 1
            line.page_break_before = True
        line.page = page
    return True


def _near_anchor(index: int, anchors: list[tuple[int, int]]) -> bool:
    return any(0 <= index - a < 3 for a, _ in anchors)
