"""A PDF page's characters (PDFium) as physical lines with fonts and geometry.

We read characters with their boxes, font sizes and font names, and build physical lines
ourselves: PDFium's own text joins a hyphenated line with the next one, and we want to
decide hyphenation with the Swedish lexicon.

Reading is the slow part of PDF ingest: a ctypes call costs more than the work PDFium
does for it. So a page's text comes in one call, a box and a text object are asked for
only for the characters that are drawn, the font is looked up once per text object, and
:func:`page_lines` builds the lines with array operations. :func:`sequential_lines` reads
one character at a time: its rules define the result, and ``tests/test_pdf_lines.py``
checks that both give the same lines.
"""

from __future__ import annotations

import ctypes
from collections import Counter
from dataclasses import dataclass, field
from itertools import repeat

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from .hyphenation import BREAK_MARK

HYPHEN_MARK = 0x02  # PDFium reports a line-end hyphen it treats as soft as U+0002
BREAK_CODE = ord(BREAK_MARK)  # PDFium's line-break marker inside a word: dropped, the hyphen decides
NEWLINES = (0x0D, 0x0A)
SPACES = (0x20, 0xA0)
SKIPPED = (0, BREAK_CODE)
CELL_GAP = 1.2  # a gap wider than this many font sizes starts a new segment (a table cell)
WORD_GAP = 0.12  # a gap wider than this (in font sizes) without a space character is a word gap
BASELINE_JUMP = 0.45  # a baseline further than this (in font sizes) from the line's starts a new line
BOLD_SHARE = 0.6  # a line is bold when more than this share of its characters is


@dataclass
class _Segment:
    text: str
    x0: float
    x1: float


@dataclass
class _RawLine:
    page: int
    baseline: float
    top: float
    size: float
    bold: bool
    segments: list[_Segment] = field(default_factory=list)
    # OCR'd lines: (characters, stroke width / font size) of each word, for the bold estimate
    ocr_words: list[tuple[int, float]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments)

    @property
    def x0(self) -> float:
        return self.segments[0].x0

    @property
    def x1(self) -> float:
        return self.segments[-1].x1


def _prototype(function: object, restype: object, *argtypes: object) -> ctypes._CFuncPtr:
    """A private prototype of a PDFium function taking plain addresses and ints: the
    argument conversion of pypdfium2's typed prototypes costs more than the call."""
    return ctypes.CFUNCTYPE(restype, *argtypes)(ctypes.cast(function, ctypes.c_void_p).value)


_count_chars = _prototype(pdfium_c.FPDFText_CountChars, ctypes.c_int, ctypes.c_void_p)
_get_unicode = _prototype(pdfium_c.FPDFText_GetUnicode, ctypes.c_uint, ctypes.c_void_p, ctypes.c_int)
_get_text = _prototype(pdfium_c.FPDFText_GetText, ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_int,
                       ctypes.c_void_p)
_get_box = _prototype(pdfium_c.FPDFText_GetLooseCharBox, ctypes.c_int, ctypes.c_void_p, ctypes.c_int,
                      ctypes.c_void_p)
# the text object's address as an integer, 0 for none
_get_text_object = _prototype(pdfium_c.FPDFText_GetTextObject, ctypes.c_size_t, ctypes.c_void_p, ctypes.c_int)
_RECT_SIZE = ctypes.sizeof(pdfium_c.FS_RECTF)


def _font_style(textpage: object, index: int, buffer: ctypes.Array) -> tuple[float, bool]:
    """Font size and boldness of a character (looked up once per text object)."""
    size = round(pdfium_c.FPDFText_GetFontSize(textpage, index), 1)
    flags = ctypes.c_int()
    pdfium_c.FPDFText_GetFontInfo(textpage, index, buffer, len(buffer), ctypes.byref(flags))
    name = bytes(buffer).split(b"\0", 1)[0].decode("latin-1").lower()
    weight = pdfium_c.FPDFText_GetFontWeight(textpage, index)
    bold = "bold" in name or "black" in name or "heavy" in name or weight >= 600 or bool(flags.value & (1 << 18))
    return size, bold


@dataclass
class PageChars:
    """A page's characters: codes for all, geometry and style for the drawn ones."""

    page: int
    codes: np.ndarray  # per character (int64), U+0002 (soft hyphen mark) kept
    drawn: np.ndarray  # indices of the characters that get a box (not a line break, space or dropped mark)
    left: np.ndarray  # per drawn character, in ``drawn`` order (float64)
    right: np.ndarray
    bottom: np.ndarray
    top: np.ndarray
    size: np.ndarray
    bold: np.ndarray  # bool


def _codes(address: int, count: int) -> list[int]:
    """The page's character codes in one call. ``FPDFText_GetText`` writes UTF-16 and
    reports PDFium's soft-hyphen mark U+0002 as U+FFFE, which also stands for a dropped
    break mark: those few are asked for one by one."""
    buffer = (ctypes.c_uint16 * (2 * count + 1))()
    written = _get_text(address, 0, count, ctypes.addressof(buffer)) - 1
    codes = np.frombuffer(buffer, dtype=np.uint16, count=max(written, 0))
    if written != count or bool(((codes >= 0xD800) & (codes < 0xE000)).any()):
        return [_get_unicode(address, i) for i in range(count)]  # characters beyond U+FFFF: no 1:1 text
    result = codes.tolist()
    for i in np.flatnonzero(codes == BREAK_CODE).tolist():
        result[i] = _get_unicode(address, i)
    return result


def read_page_chars(textpage: pdfium.PdfTextPage, page_no: int) -> PageChars:
    raw = textpage.raw
    address = ctypes.cast(raw, ctypes.c_void_p).value
    count = _count_chars(address)
    codes = np.asarray(_codes(address, count) if count > 0 else [], dtype=np.int64)
    drawn = np.flatnonzero(~np.isin(codes, NEWLINES + SPACES + SKIPPED))
    indices = drawn.tolist()
    boxes = (pdfium_c.FS_RECTF * max(len(indices), 1))()
    base = ctypes.addressof(boxes)
    list(map(_get_box, repeat(address, len(indices)), indices,
             range(base, base + _RECT_SIZE * len(indices), _RECT_SIZE)))
    rects = np.frombuffer(boxes, dtype=np.float32).reshape(-1, 4)[: len(indices)].astype(np.float64)
    objects = np.fromiter(map(_get_text_object, repeat(address, len(indices)), indices), dtype=np.uint64,
                          count=len(indices))
    _, first, inverse = np.unique(objects, return_index=True, return_inverse=True)
    name_buffer = ctypes.create_string_buffer(128)
    styles = [_font_style(raw, indices[i], name_buffer) for i in first.tolist()]
    sizes = np.array([s for s, _ in styles] or [0.0], dtype=np.float64)[inverse]
    bolds = np.array([b for _, b in styles] or [False], dtype=bool)[inverse]
    # FS_RECTF is (left, top, right, bottom)
    return PageChars(page_no, codes, drawn, rects[:, 0], rects[:, 2], rects[:, 3], rects[:, 1], sizes, bolds)


def sequential_lines(chars: PageChars) -> list[_RawLine]:
    """Physical lines of a page read one character at a time: the rules that define the
    result. Lines are cut where PDFium ends a line or the baseline moves; a gap wider than
    the font size starts a new segment (a table cell)."""
    position = {index: n for n, index in enumerate(chars.drawn.tolist())}
    codes = chars.codes.tolist()
    left, right, bottom, top = chars.left.tolist(), chars.right.tolist(), chars.bottom.tolist(), chars.top.tolist()
    font_size, font_bold = chars.size.tolist(), chars.bold.tolist()
    lines: list[_RawLine] = []
    current: _RawLine | None = None
    text: list[str] = []
    seg_x0 = seg_x1 = 0.0
    prev_x1: float | None = None
    sizes: Counter[float] = Counter()
    bold_count = total = 0

    def flush_segment() -> None:
        nonlocal text
        joined = "".join(text).strip()
        if current is not None and joined:
            current.segments.append(_Segment(joined, seg_x0, seg_x1))
        text = []

    def flush_line() -> None:
        nonlocal current, sizes, bold_count, total
        flush_segment()
        if current is not None and current.segments:
            current.size = sizes.most_common(1)[0][0] if sizes else current.size
            current.bold = total > 0 and bold_count / total > BOLD_SHARE
            lines.append(current)
        current = None
        sizes = Counter()
        bold_count = total = 0

    for i, code in enumerate(codes):
        if code in NEWLINES:
            flush_line()
            prev_x1 = None
            continue
        if code in SPACES:
            if text and text[-1] != " ":
                text.append(" ")
            continue
        if code == HYPHEN_MARK:
            code = 0x2D
        if code in SKIPPED:
            continue
        char = chr(code)
        n = position[i]
        size, bold = font_size[n], font_bold[n]
        baseline = bottom[n]
        if current is not None and abs(baseline - current.baseline) > BASELINE_JUMP * max(size, current.size):
            flush_line()
            prev_x1 = None
        if current is None:
            current = _RawLine(chars.page, baseline, top[n], size, False)
            seg_x0 = left[n]
            prev_x1 = None
        if char.isspace():
            if text and text[-1] != " ":
                text.append(" ")
            continue
        x0 = left[n]
        if prev_x1 is not None:
            gap = x0 - prev_x1
            if gap > CELL_GAP * size:
                flush_segment()  # a column gap: a new table cell or a right-aligned header part
            elif gap > WORD_GAP * size and text and text[-1] != " ":
                text.append(" ")  # a word gap the PDF drew without a space character
        if not text:
            seg_x0 = x0
        text.append(char)
        seg_x1 = prev_x1 = right[n]
        sizes[size] += 1
        total += 1
        if bold:
            bold_count += 1
    flush_line()
    return lines


def _page_text(codes: np.ndarray) -> str:
    """The page's characters as one string, PDFium's soft-hyphen mark as "-"."""
    marked = np.where(codes == HYPHEN_MARK, 0x2D, codes)
    try:
        return marked.astype("<u4").tobytes().decode("utf-32-le")
    except UnicodeDecodeError:  # a lone surrogate code: one character at a time
        return "".join(map(chr, marked.tolist()))


def _line_starts(bottom: np.ndarray, size: np.ndarray, group_starts: list[int], count: int) -> np.ndarray:
    """Where each physical line starts (positions in drawn order): at each of PDFium's
    line breaks, and where a character's baseline leaves that of its line's first
    character by more than ``BASELINE_JUMP`` font sizes."""
    ends = group_starts[1:] + [count]
    group_of = np.repeat(np.arange(len(group_starts)), np.diff(np.r_[group_starts, count]))
    first = np.asarray(group_starts)[group_of]
    jumps = np.abs(bottom - bottom[first]) > BASELINE_JUMP * np.maximum(size, size[first])
    starts = set(group_starts)
    for g in np.unique(group_of[jumps]).tolist():  # a superscript, two columns without a line break
        start, end = group_starts[g], ends[g]
        while True:
            rest = np.abs(bottom[start:end] - bottom[start]) > BASELINE_JUMP * np.maximum(size[start:end], size[start])
            if not rest.any():
                break
            start += int(rest.argmax())
            starts.add(start)
    return np.asarray(sorted(starts), dtype=np.int64)


def page_lines(chars: PageChars) -> list[_RawLine]:
    """Physical lines of a page, the same as ``sequential_lines(chars)``, built with
    array operations."""
    if len(chars.drawn) == 0:
        return []
    codes, drawn, size = chars.codes, chars.drawn, chars.size
    pdfium_line = np.cumsum(np.isin(codes, NEWLINES))[drawn]
    group_starts = np.flatnonzero(np.r_[True, pdfium_line[1:] != pdfium_line[:-1]]).tolist()
    starts = _line_starts(chars.bottom, size, group_starts, len(drawn))
    line_of = np.zeros(len(drawn), dtype=np.int64)
    line_of[starts[1:]] = 1
    line_of = np.cumsum(line_of)
    drawn_codes = codes[drawn]
    space_codes = [c for c in np.unique(drawn_codes).tolist() if chr(c).isspace()]
    is_space = np.isin(drawn_codes, space_codes)
    blank = np.isin(codes, SPACES).astype(np.int64)
    blank[drawn[is_space]] = 1
    blanks_before = np.cumsum(blank)
    ink = np.flatnonzero(~is_space)  # positions (in drawn order) of the characters drawn with ink
    if len(ink) == 0:
        return []
    left = chars.left[ink]
    right = chars.right[ink]
    ink_size = size[ink]
    ink_line = line_of[ink]
    ink_index = drawn[ink]
    gap = np.r_[0.0, left[1:] - right[:-1]]
    spaced = np.r_[False, blanks_before[ink_index[1:]] - blanks_before[ink_index[:-1]] > 0]
    cut = np.r_[True, ink_line[1:] != ink_line[:-1]] | (gap > CELL_GAP * ink_size)
    inserted = ~cut & (gap > WORD_GAP * ink_size) & ~spaced
    text = _page_text(codes)
    dropped = bool(np.isin(codes, SKIPPED).any())  # marks to take out of the segments they fall in

    segment_starts = np.flatnonzero(cut).tolist()
    segment_ends = segment_starts[1:] + [len(ink)]
    ink_line_list = ink_line.tolist()
    ink_index_list = ink_index.tolist()
    left_list, right_list = left.tolist(), right.tolist()
    inserted_at = np.flatnonzero(inserted).tolist()
    line_bottom, line_top, line_size = (chars.bottom[starts].tolist(), chars.top[starts].tolist(),
                                        size[starts].tolist())
    lines: list[_RawLine] = []
    spans: list[list[int]] = []  # per line: its first and last+1 ink position
    current = -1
    next_inserted = 0
    for seg_start, seg_end in zip(segment_starts, segment_ends):
        begin = ink_index_list[seg_start]
        pieces = []
        while next_inserted < len(inserted_at) and inserted_at[next_inserted] < seg_end:
            k = inserted_at[next_inserted]
            pieces.append(text[begin:ink_index_list[k]])
            begin = ink_index_list[k]
            next_inserted += 1
        pieces.append(text[begin:ink_index_list[seg_end - 1] + 1])
        if dropped:
            pieces = [p.replace("\x00", "").replace(BREAK_MARK, "") for p in pieces]
        segment = _Segment(" ".join(" ".join(p.split()) for p in pieces), left_list[seg_start], right_list[seg_end - 1])
        number = ink_line_list[seg_start]
        if number != current:
            current = number
            lines.append(_RawLine(chars.page, line_bottom[number], line_top[number], line_size[number], False))
            spans.append([seg_start, seg_end])
        else:
            spans[-1][1] = seg_end
        lines[-1].segments.append(segment)
    sizes = ink_size.tolist()
    bolds = chars.bold[ink].tolist()
    for line, (a, b) in zip(lines, spans):
        line_sizes = sizes[a:b]
        line.size = line_sizes[0] if min(line_sizes) == max(line_sizes) else Counter(line_sizes).most_common(1)[0][0]
        line.bold = sum(bolds[a:b]) / (b - a) > BOLD_SHARE
    return lines
