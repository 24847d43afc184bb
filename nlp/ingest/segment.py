"""Structural segmentation: a line stream becomes headings, paragraphs, list items and
tables with heading levels and section paths.

The same segmenter serves PDFs (with font and geometry evidence) and plain-text
extractions (with line shape evidence only); the readers put both into :class:`Line`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from typing import Iterable

from .hyphenation import SOFT_HYPHEN, HyphenationRepairer, close_acronym_gaps
from .lines import Line
from .metadata import load_structure, load_vocabulary
from ..model import Block, BlockType

# The report vocabulary (nlp/ingest/data/report_vocabulary.yaml, section "structure"):
# goal labels with their level in the goal hierarchy (KF:s inriktningsmål → KF:s mål för
# verksamhetsområdet → nämndmål), assessment lines, report parts and sub-headings.
_STRUCTURE = load_structure()
GOAL_LABELS = _STRUCTURE.goal_labels
LABEL_ONLY = _STRUCTURE.goal_label_only
SUBHEADINGS = _STRUCTURE.subheadings
PARTS = _STRUCTURE.parts
SUMMARY_PARTS = _STRUCTURE.summary_parts
STATUS = _STRUCTURE.status_line
NUMBERING = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(?=\S)")
BULLET = re.compile(r"^(?P<glyph>[•·▪●◦■□➢►‣⁃○\uf0b7\uf0a7*]|[-–—](?=\s))\s*(?P<text>\S.*)$")
NUMBERED_ITEM = re.compile(r"^(?P<num>\d{1,2}|[a-z])[.)]\s+(?P<text>\S.*)$")
TABLE_HEADER = re.compile(r"^(Indikator|Aktivitet)\b(?!er\b)")
DATE_ROW_END = re.compile(r"\d{4}-\d{2}-\d{2}(\s+\d{4}-\d{2}-\d{2})?\s*(\S.{0,30})?$")
ACTIVITY_DATES = re.compile(r"\d{4}-\d{2}-\d{2}\s+\d{4}-\d{2}-\d{2}(\s+\S.{0,30})?$")
VALUE = re.compile(r"(\d+\s?%|\d[\d\s]*,\d+|^\d[\d\s]*$|\d{4}-\d{2}-\d{2}|^(Tertial|Helår|VB|T\d)\b|^\d+\s+\d{4}\s*$)")
TERMINAL = re.compile(r"[.!?:]['\"”»)]*$")
CLOSING_MARKS = "'\"”»)"  # what TERMINAL allows after the sentence mark
# Tables of contents: an "Innehåll" heading, rows with dotted leaders and a page number.
TOC_HEADING = re.compile(r"^(Innehåll|Innehållsförteckning|Innehållsförteckning:|Innehåll:)$", re.IGNORECASE)
TOC_LEADER_ROW = re.compile(r"^(?P<title>\S.*?)\s*(?:[.…·_]\s?){4,}\s*(?P<page>\d{1,3})$")
TOC_PLAIN_ROW = re.compile(r"^(?P<title>\S.*?[^\d\s.,%])\s+(?P<page>\d{1,3})$")
SOFT_END = SOFT_HYPHEN
HYPHEN_END = re.compile(r"(?P<head>[\w]+)-$")
HYPHEN_WINDOW = 80  # characters searched for the word before a line-end hyphen
_HYPHEN_END_REVERSED = re.compile(r"-\w+")  # HYPHEN_END on the reversed text


def _ends_sentence(text: str) -> bool:
    """``TERMINAL.search(text)``: ends with . ! ? or : (closing quotes after it allowed),
    looked at from the end instead of searched for along the line."""
    if text.endswith("\n"):
        text = text[:-1]  # `$` also matches before a final newline
    body = text.rstrip(CLOSING_MARKS)
    return bool(body) and body[-1] in ".!?:"


def _hyphen_head(text: str) -> tuple[int, str] | None:
    """Where the word before a line-end hyphen starts ("… välfärds-") and the word, as
    ``HYPHEN_END.search`` finds them, without scanning a whole paragraph for it."""
    if not text.endswith("-"):
        if not text.endswith("-\n"):
            return None
        match = HYPHEN_END.search(text)  # `$` also matches before a final newline
        return (match.start(), match["head"]) if match else None
    # the longest run of word characters before the hyphen, read backwards from it
    window = text[-HYPHEN_WINDOW:]
    match = _HYPHEN_END_REVERSED.match(window[::-1])
    if match is None:
        return None
    if match.end() == len(window) and len(window) < len(text):
        match = HYPHEN_END.search(text)  # a word longer than the window
        return (match.start(), match["head"]) if match else None
    start = len(text) - match.end()
    return start, text[start:-1]


@dataclass
class SegmenterConfig:
    """Thresholds of the segmenter; the defaults are tuned on generated PDFs (dev seeds)."""

    short_fill: float = 0.85  # a line ending a sentence below this fill ends its paragraph
    heading_max_chars: int = 160
    free_heading_max_fill: float = 0.72
    free_heading_max_words: int = 14
    table_fragment_fill: float = 0.5


def _starts_lower(text: str) -> bool:
    first = text[:1]
    return bool(first) and (first.islower() or first in ",;)]%")


def _goal_level(text: str) -> int | None:
    for pattern, level in GOAL_LABELS:
        if pattern.match(text):
            return level
    return None


def _numbering_level(text: str) -> int | None:
    match = NUMBERING.match(text)
    if not match:
        return None
    depth = match["num"].count(".") + 1
    return min(depth + 1, 5)


VALUE_TOKEN = re.compile(r"^([\d.,:%/()+\-–]+|st|kr|tkr|mnkr|mkr|%|barn/avd\.?|Tertial|Helår|VB|T[123]|öka|minska)$", re.IGNORECASE)


def _is_value_only(text: str) -> bool:
    """A line of figures only ("91 % 91 % 2025", "- - - 85 %"): a table row, not prose."""
    tokens = text.split()
    return bool(tokens) and any(c.isdigit() for c in text) and all(VALUE_TOKEN.match(t) for t in tokens)


def _is_value_line(text: str) -> bool:
    return bool(VALUE.search(text)) and len(text) < 60


# The end of an indicator row laid out on one line: its cells (figures, "-", "Tas fram av
# nämnd", "Ny indikator") and an optional period.
ROW_CELL = r"(?:[<>≤≥]?[-+−]?\d+(?:[ ,.]\d+)*\s?(?:%|st|kr|tkr|mnkr|mkr|dagar|timmar)?|[-–]|Tas fram av nämnd|Ny indikator|Inget utfall)"
ROW_LINE_END = re.compile(
    rf"\D\s(?:(?:{ROW_CELL}\s+)+{ROW_CELL}(?:\s+{{period}})?|{ROW_CELL}\s+{{period}})\s*$".format(
        period=r"(?:(?:Tertial|T)\s*\d\s+|Helår\s+|VB\s+|(?:jan|feb|mar|apr|maj|jun|jul|aug|sep|okt|nov|dec)\w*\s+)?(?:19|20)\d{2}"),
    re.IGNORECASE)


ONE_LINE_HEADER = re.compile(r"^Indikator\s+\S.*\b(Period|Årsmål|Målvärde|Målnivå|Mål)(\s+(19|20)\d{2})?\s*$", re.IGNORECASE)


def _is_row_line(text: str) -> bool:
    """A table row on one line: a name, then cells, no sentence end."""
    return not _ends_sentence(text) and bool(ROW_LINE_END.search(text)) and any(c.isdigit() for c in text)


class Segmenter:
    """Turns a line stream into blocks. ``source`` is "pdf" or "text"."""

    def __init__(self, source: str, config: SegmenterConfig | None = None) -> None:
        self.source = source
        self.config = config or SegmenterConfig()

    # -- public -----------------------------------------------------------------------
    def segment(self, lines: list[Line]) -> list[Block]:
        read = [line for line in lines if line.text.strip()]
        self.source_texts = [line.text for line in read]  # before any repair, kept on the blocks
        self.lines = [replace(line, text=close_acronym_gaps(line.text)) if "- " in line.text else line for line in read]
        self.repairer = HyphenationRepairer().fit(line.text for line in self.lines)
        self.style_levels = self._calibrate_styles() if self.source == "pdf" else {}
        self.short_fill = self._short_fill()
        self._label_line = load_vocabulary().label_line
        blocks: list[Block] = []
        i = 0
        n = len(self.lines)
        while i < n:
            line = self.lines[i]
            start = i
            if self._toc_starts(i):
                block, i = self._take_toc(i)
            elif self._table_starts(i):
                block, i = self._take_table(i)
            elif STATUS.match(line.text):
                block, i = Block(BlockType.PARAGRAPH, line.text, page=line.page), i + 1
            elif self._is_heading(i):
                block, i = self._take_heading(i)
            elif self._list_match(line, self.lines[i - 1] if i else None):
                block, i = self._take_list_item(i)
            else:
                block, i = self._take_paragraph(i)
            if block.text:
                block.source_lines = self.source_texts[start:i]
                blocks.append(block)
        return self._assign_levels_and_sections(blocks)

    def _short_fill(self) -> float:
        """How short a sentence-final line must be to end its paragraph.

        In justified text every line but a paragraph's last reaches the right edge, so
        any sentence-final line that stops short of it ends the paragraph; in ragged text
        only a clearly short line does."""
        long_lines = [line.fill for line in self.lines if line.fill > 0.6 and not line.cells and line.heading_rank is None]
        if self.source == "pdf" and long_lines:
            justified = sum(fill >= 0.995 for fill in long_lines) / len(long_lines)
            if justified > 0.5:
                return 0.99
        return self.config.short_fill

    # -- headings ---------------------------------------------------------------------
    def _calibrate_styles(self) -> dict[tuple[float, bool], int]:
        """Map PDF heading font styles to levels using headings whose level the text
        itself tells (goal labels, numbering, known sub-headings and parts)."""
        votes: dict[tuple[float, bool], Counter[int]] = {}
        for line in self.lines:
            if line.heading_rank is None or line.size is None:
                continue
            style = (round(line.size, 1), line.bold)
            level = self._text_level(line.text)
            votes.setdefault(style, Counter())
            if level is not None:
                votes[style][level] += 1
        levels: dict[tuple[float, bool], int] = {}
        for style, counter in votes.items():
            if counter:
                levels[style] = counter.most_common(1)[0][0]
        # styles with no vote: place by size among the voted ones
        ordered = sorted(votes, key=lambda s: (-s[0], not s[1]))
        for style in ordered:
            if style in levels:
                continue
            bigger = [levels[s] for s in levels if (s[0], s[1]) > style and s[0] >= style[0]]
            smaller = [levels[s] for s in levels if s[0] < style[0] or (s[0] == style[0] and not s[1] and style[1])]
            if bigger:
                levels[style] = min(6, max(bigger) + 1)
            elif smaller:
                levels[style] = max(1, min(smaller) - 1)
            else:
                levels[style] = ordered.index(style) + 1
        return levels

    @staticmethod
    def _text_level(text: str) -> int | None:
        folded = text.rstrip(" :").casefold()
        if folded in PARTS:
            return 1
        goal = _goal_level(text)
        if goal is not None:
            return goal
        if folded in SUBHEADINGS:
            return 5
        return None

    def _is_heading(self, i: int) -> bool:
        line = self.lines[i]
        text = line.text
        if len(text) > self.config.heading_max_chars or BULLET.match(text):
            return False
        prev = self.lines[i - 1] if i > 0 else None
        if prev is not None and self._continues(prev, line):
            return False
        if self.source == "pdf":
            if line.heading_rank is not None and not line.cells:
                return not _is_value_line(text) or _goal_level(text) is not None
            return False
        if _goal_level(text) is not None:
            return True
        if text.rstrip(" :").casefold() in PARTS | SUBHEADINGS:
            return True
        return self._is_free_heading(i)

    def _is_free_heading(self, i: int) -> bool:
        """A short unpunctuated line standing alone between paragraphs (text input)."""
        line = self.lines[i]
        text = line.text
        cfg = self.config
        if line.fill > cfg.free_heading_max_fill or len(text.split()) > cfg.free_heading_max_words:
            return False
        if _ends_sentence(text) or text.endswith((",", ";", "-", SOFT_END)) or not (text[0].isupper() or text[0].isdigit()):
            return False
        if _is_value_line(text) or NUMBERED_ITEM.match(text) and not NUMBERING.match(text):
            return False
        if i + 1 >= len(self.lines):
            return False
        nxt = self.lines[i + 1]
        if _starts_lower(nxt.text):
            return False
        if i > 0:
            prev = self.lines[i - 1]
            if not (_ends_sentence(prev.text) or line.gap_before or STATUS.match(prev.text) or self._is_heading_text(prev.text)):
                return False
        # a heading introduces prose, a list or a table, not another fragment
        return nxt.fill > 0.5 or bool(self._list_match(nxt)) or bool(TABLE_HEADER.match(nxt.text)) or nxt.gap_before

    def _is_heading_text(self, text: str) -> bool:
        return self._text_level(text) is not None

    def _take_heading(self, i: int) -> tuple[Block, int]:
        first = self.lines[i]
        parts = [first.text]
        j = i + 1
        n = len(self.lines)
        while j < n and len(" ".join(parts)) < self.config.heading_max_chars:
            nxt = self.lines[j]
            current = " ".join(parts)
            if self.source == "pdf":
                same_style = (
                    nxt.heading_rank is not None
                    and first.size is not None
                    and nxt.size is not None
                    and abs(nxt.size - first.size) < 0.3
                    and nxt.bold == first.bold
                    and not nxt.gap_before
                    and not nxt.page_break_before
                )
                if same_style and (LABEL_ONLY.match(current) or not _ends_sentence(current)) and self._text_level(nxt.text) is None:
                    parts.append(nxt.text)
                    j += 1
                    continue
                break
            if LABEL_ONLY.match(current) and not STATUS.match(nxt.text):
                parts.append(nxt.text)  # "Nämndmål:" then "1.1.1 Barn och unga ..."
                j += 1
                continue
            if _starts_lower(nxt.text) and not _ends_sentence(current) and len(nxt.text) < 100:
                parts.append(nxt.text)  # a wrapped goal title: "... en meningsfull" / "fritid"
                j += 1
                continue
            break
        text = self._join(parts)
        block = Block(BlockType.HEADING, text, page=first.page)
        block.level = self._heading_level(first, text)
        return block, j

    def _heading_level(self, line: Line, text: str) -> int | None:
        level = self._text_level(text)
        if level is not None:
            return level
        if self.source == "pdf" and line.size is not None:
            style_level = self.style_levels.get((round(line.size, 1), line.bold))
            numbering = _numbering_level(text)
            return numbering or style_level
        return _numbering_level(text)  # None: decided from context later

    # -- lists ------------------------------------------------------------------------
    def _list_match(self, line: Line, prev: Line | None = None) -> re.Match[str] | None:
        match = BULLET.match(line.text)
        if match:
            return match
        match = NUMBERED_ITEM.match(line.text)
        if not match:
            return None
        if self.source == "pdf" and (line.heading_rank is not None or (line.indent < 0.005 and not line.gap_before)):
            return None  # a number at the margin inside running text: "utredning, / 2. Barnet ..."
        if prev is not None and not _ends_sentence(prev.text) and prev.fill >= 0.85 and not BULLET.match(prev.text):
            return None  # the line before runs on into this one
        return match

    def _take_list_item(self, i: int) -> tuple[Block, int]:
        first = self.lines[i]
        match = self._list_match(first, self.lines[i - 1] if i else None)
        assert match is not None
        parts = [match["text"]]
        j = i + 1
        while j < len(self.lines):
            prev, nxt = self.lines[j - 1], self.lines[j]
            if self._structure_starts(j):
                break
            if self.source == "pdf":
                hanging = nxt.indent > first.indent + 0.005
                if self._continues(prev, nxt) or (hanging and not nxt.gap_before):
                    parts.append(nxt.text)
                    j += 1
                    continue
                break
            if self._continues(prev, nxt) or (not _ends_sentence(prev.text) and prev.fill >= 0.6 and not nxt.gap_before):
                parts.append(nxt.text)
                j += 1
                continue
            break
        block = Block(BlockType.LIST_ITEM, self._join(parts), page=first.page)
        block.page_end = self.lines[j - 1].page
        return block, j

    # -- paragraphs -------------------------------------------------------------------
    def _continues(self, prev: Line, cur: Line) -> bool:
        """The current line certainly continues the previous one's sentence."""
        if prev.text.endswith(SOFT_END) or (_hyphen_head(prev.text) is not None and not prev.text.endswith(" -")):
            return not (cur.text[:1].isupper() and self.source == "pdf" and cur.gap_before and not cur.page_break_before)
        return _starts_lower(cur.text) and not _ends_sentence(prev.text)

    def _paragraph_breaks(self, prev: Line, cur: Line) -> bool:
        if self._continues(prev, cur):
            return False
        terminal = _ends_sentence(prev.text)
        if cur.page_break_before:
            # the gap at a page break says nothing; a sentence cut at the page end continues,
            # but only a paragraph's last line is short, so a short line ends one even
            # without a full stop ("Trädförnyelse (2,0 mnkr)", a truncated sentence)
            return prev.fill < self.short_fill
        if cur.gap_before:
            return True
        if prev.fill < 0.7 and len(cur.text) <= 120 and self._label_line.match(cur.text):
            return True  # a facts page: "Rapportperiod: 2025-12-31" / "Organisation: ..." one per line
        if self.source == "pdf" and cur.indent > 0.02 and cur.indent - prev.indent > 0.02:
            return True  # first-line indent
        return terminal and prev.fill < self.short_fill

    def _structure_starts(self, j: int) -> bool:
        line = self.lines[j]
        prev = self.lines[j - 1] if j > 0 else None
        if prev is not None and self._continues(prev, line):
            return False
        return bool(
            self._list_match(line, prev)
            or STATUS.match(line.text)
            or self._table_starts(j)
            or self._is_heading(j)
        )

    def _take_paragraph(self, i: int) -> tuple[Block, int]:
        parts = [self.lines[i].text]
        j = i + 1
        while j < len(self.lines):
            prev, cur = self.lines[j - 1], self.lines[j]
            if self._paragraph_breaks(prev, cur) or self._structure_starts(j):
                break
            parts.append(cur.text)
            j += 1
        block = Block(BlockType.PARAGRAPH, self._join(parts), page=self.lines[i].page)
        block.page_end = self.lines[j - 1].page
        return block, j

    # -- tables of contents -------------------------------------------------------------
    def _toc_row(self, j: int, plain: bool) -> re.Match[str] | None:
        if j >= len(self.lines):
            return None
        text = self.lines[j].text
        return TOC_LEADER_ROW.match(text) or (TOC_PLAIN_ROW.match(text) if plain else None)

    def _toc_starts(self, i: int) -> bool:
        """An "Innehåll" heading followed by a row, or two rows with dotted leaders."""
        if TOC_HEADING.match(self.lines[i].text):
            return bool(self._toc_row(i + 1, plain=True) or self._toc_row(i + 2, plain=True))
        return bool(self._toc_row(i, plain=False) and self._toc_row(i + 1, plain=False))

    def _take_toc(self, i: int) -> tuple[Block, int]:
        heading = self.lines[i].text if TOC_HEADING.match(self.lines[i].text) else None
        # after an "Innehåll" heading, rows need no leaders ("Uppdrag 3"); without one, they do
        plain = heading is not None
        j = i + 1 if heading else i
        rows: list[list[str]] = []
        pending: list[str] = []  # a title wrapped onto the row's line: "Uppföljning av" / "målen ..... 5"
        while j < len(self.lines):
            match = self._toc_row(j, plain)
            if match:
                title = " ".join([*pending, match["title"].strip()])
                rows.append([title, match["page"]])
                pending = []
                j += 1
                continue
            text = self.lines[j].text
            if not pending and len(text) < 80 and not _ends_sentence(text) and self._toc_row(j + 1, plain):
                pending.append(text)
                j += 1
                continue
            break
        if pending:
            j -= len(pending)  # not a wrapped title after all
        text = "\n".join(([heading] if heading else []) + [f"{title} {page}" for title, page in rows])
        block = Block(BlockType.TOC, text, page=self.lines[i].page, rows=rows)
        block.page_end = self.lines[j - 1].page
        return block, max(j, i + 1)

    # -- tables -----------------------------------------------------------------------
    def _table_starts(self, i: int) -> bool:
        line = self.lines[i]
        if self.source == "pdf":
            return bool(line.cells) and len(line.cells) >= 2 and line.heading_rank is None or bool(
                line.cells and len(line.cells) >= 3
            )
        if TABLE_HEADER.match(line.text) and (line.fill < 0.7 or len(line.text.split()) <= 6
                                              or ONE_LINE_HEADER.match(line.text)):
            return True  # a long one-line header ("Indikator Periodens utfall Utfall män/pojkar …")
        if _is_value_only(line.text):
            return True
        if self._activity_row_ahead(i, max_lines=8):
            return True  # an activity row repeated without its header ("text ... 2025-01-01 2025-12-31")
        return self._fragment_run(i) >= 3

    def _fragment_run(self, i: int) -> int:
        """Length of a run of short table-cell fragments starting at i (text input)."""
        run = 0
        has_value = False
        j = i
        while j < len(self.lines) and j - i < 40:
            line = self.lines[j]
            if line.fill >= self.config.table_fragment_fill or self._list_match(line) and not _is_value_only(line.text):
                break
            if _ends_sentence(line.text) and line.fill > 0.3:
                break
            if self._text_level(line.text) is not None or STATUS.match(line.text):
                break
            has_value = has_value or _is_value_line(line.text)
            run += 1
            j += 1
            if has_value and run >= 3:
                break
        return run if has_value else 0

    def _take_table(self, i: int) -> tuple[Block, int]:
        if self.source == "pdf":
            return self._take_pdf_table(i)
        rows: list[list[str]] = []
        row: list[str] = []
        j = i
        activity = bool(re.match(r"^Aktivitet\b", self.lines[i].text)) or self._activity_row_ahead(i, max_lines=8)
        # "Indikator Utfall 2022 Målvärde Period" on one line: the rows below are whole lines
        one_line = bool(ONE_LINE_HEADER.match(self.lines[i].text))
        if one_line:
            rows.append([self.lines[i].text])
            j = i + 1
        while j < len(self.lines):
            line = self.lines[j]
            if j > i:
                if self._text_level(line.text) is not None or STATUS.match(line.text) or (
                        BULLET.match(line.text) and not _is_value_only(line.text)):  # "- 88 % 89 %" is a row
                    break
                if TABLE_HEADER.match(line.text) and row:
                    rows.append(row)
                    row = []
                prose = line.fill >= 0.6 and not _is_value_line(line.text)
                if (one_line or prose) and not activity and _is_row_line(line.text):
                    # an indicator row ends on this line ("… 80 % 75 % 77 % Tertial 1 2016"); under
                    # a one-line header, the lines before it since the last row are its name
                    if row and not (one_line and rows):
                        rows.append(row)
                        row = []
                    rows.append(row + [line.text])
                    row = []
                    j += 1
                    continue
                if prose and not activity and not (one_line and not line.gap_before):
                    break
                if prose and activity and not self._activity_row_ahead(j):
                    break
                if line.separator_before and row:
                    rows.append(row)
                    row = []
            row.append(line.text)
            j += 1
            if DATE_ROW_END.search(line.text) and activity:
                rows.append(row)
                row = []
        if row:
            rows.append(row)
        text = "\n".join(" | ".join(r) for r in rows)
        block = Block(BlockType.TABLE, text, page=self.lines[i].page, rows=rows)
        block.page_end = self.lines[j - 1].page
        return block, max(j, i + 1)

    def _activity_row_ahead(self, j: int, max_lines: int = 14) -> bool:
        """An activity-table row starts at j: text lines ending in a start and end date."""
        for k in range(j, min(j + max_lines, len(self.lines))):
            text = self.lines[k].text
            if ACTIVITY_DATES.search(text):
                return True
            if k > j and (self._text_level(text) is not None or STATUS.match(text)):
                return False
            if _ends_sentence(text) and k + 1 < len(self.lines) and not ACTIVITY_DATES.search(self.lines[k + 1].text):
                return False
        return False

    def _take_pdf_table(self, i: int) -> tuple[Block, int]:
        """A table from PDF row lines (cells with x positions) and the wrapped lines of
        their cells; cells are placed by column, so empty cells stay empty."""
        members: list[Line] = []
        j = i
        while j < len(self.lines):
            line = self.lines[j]
            if j > i and not (line.cells or line.extra.get("row_continuation")):
                break
            if j > i and line.cells and line.page_break_before and not TABLE_HEADER.match(line.text):
                members.append(line)  # a table continued on the next page
            elif j > i or line.cells:
                members.append(line)
            j += 1
        columns = _cluster([x for line in members for x in line.extra.get("cell_x", [])])
        rows: list[list[str]] = []
        for line in members:
            xs = line.extra.get("cell_x") or [0.0]
            texts = line.extra.get("cell_texts") or line.cells or [line.text]
            if not line.extra.get("row_continuation") or not rows:
                rows.append([""] * len(columns))
            row = rows[-1]
            for x, text in zip(xs, texts):
                column = _column_index(columns, x)
                row[column] = self._join([row[column], text]) if row[column] else text
        text = "\n".join(" | ".join(c for c in r) for r in rows)
        block = Block(BlockType.TABLE, text, page=self.lines[i].page, rows=rows)
        block.page_end = self.lines[j - 1].page
        return block, max(j, i + 1)

    # -- text assembly ----------------------------------------------------------------
    def _join(self, parts: Iterable[str]) -> str:
        out = ""
        for part in parts:
            part = part.strip()
            if not out:
                out = part
                continue
            if out.endswith(SOFT_END):
                out = out[:-1] + part
                continue
            found = _hyphen_head(out)
            if found is not None and not out.endswith(" -"):
                head_start, head = found
                tail, _, rest = part.partition(" ")
                joined = self.repairer.join(head, tail)
                out = out[:head_start] + joined + (" " + rest if rest else "")
                continue
            out = f"{out} {part}"
        return out.replace(SOFT_END, "").strip()

    # -- hierarchy --------------------------------------------------------------------
    @staticmethod
    def _parts_inside_goals(blocks: list[Block]) -> set[int]:
        """Indices of part names used as topic headings inside a goal.

        A part name such as "Kompetensförsörjning" or "Personal" is also a topic a goal's
        analysis writes about (under "KF:s mål för verksamhetsområdet: 3.4 Medarbetare ...").
        Taken as a part, it would close the goal hierarchy and file every later goal under
        it. It is a topic when a goal is open and the next part-or-goal heading after it
        is a goal again."""
        inside: set[int] = set()
        headings = [(i, b) for i, b in enumerate(blocks) if b.type is BlockType.HEADING]
        goal_open = False
        for position, (index, block) in enumerate(headings):
            if _goal_level(block.text) is not None:
                goal_open = True
                continue
            if block.level != 1 or block.text.rstrip(" :").casefold() not in PARTS:
                continue
            if goal_open:
                following = next((b for _, b in headings[position + 1:]
                                  if _goal_level(b.text) is not None or b.text.rstrip(" :").casefold() in PARTS), None)
                if following is not None and _goal_level(following.text) is not None:
                    inside.add(index)
                    continue
            goal_open = False
        return inside

    def _assign_levels_and_sections(self, blocks: list[Block]) -> list[Block]:
        stack: list[tuple[int, str]] = []
        last_structural = 0
        topics = self._parts_inside_goals(blocks)
        for index, block in enumerate(blocks):
            if index in topics:
                block.level = None  # a topic heading, placed below the current goal's sub-heading
            if block.type is BlockType.HEADING:
                if block.level is None:
                    # a topic heading inside the current goal/part, below its sub-heading
                    block.level = min(6, last_structural + 1) if last_structural else 2
                else:
                    last_structural = block.level
                while stack and stack[-1][0] >= block.level:
                    stack.pop()
                if stack and stack[0][0] == 1 and stack[0][1].casefold() in SUMMARY_PARTS and _goal_level(block.text):
                    # the formal goal hierarchy is never part of the summary: with the
                    # "Uppföljning av ..." heading missing, the goals start their own
                    stack.clear()
                block.section = [text for _, text in stack]
                stack.append((block.level, block.text))
            else:
                block.section = [text for _, text in stack]
        return blocks


def _cluster(xs: list[float], tolerance: float = 4.0) -> list[float]:
    """Column left edges: x positions closer than ``tolerance`` points are one column."""
    columns: list[float] = []
    for x in sorted(xs):
        if not columns or x - columns[-1] > tolerance:
            columns.append(x)
    return columns or [0.0]


def _column_index(columns: list[float], x: float) -> int:
    best = 0
    for index, left in enumerate(columns):
        if left <= x + 4.0:
            best = index
    return best


def segment_lines(lines: list[Line], source: str, config: SegmenterConfig | None = None) -> list[Block]:
    """Segment a line stream from a PDF or text reader into blocks."""
    return Segmenter(source, config).segment(lines)
