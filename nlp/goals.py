"""Goals as data: the goal hierarchy of a follow-up report, with assessments and indicators.

Stockholm's follow-up reports are organised as goals, KF:s inriktningsmål → KF:s mål för
verksamhetsområdet → nämndmål, each followed by an assessment ("Uppfylls helt") and often by
indicator tables (Indikator, Periodens utfall, Prognos helår, Årsmål, Period). This stage
reads a segmented :class:`~nlp.model.Document` and returns one :class:`Goal` per goal
heading; it reads only the document model, so PDFs, text extractions, Word and HTML reports
all work the same way.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable

from .model import Block, BlockType, Document

KINDS = ("inriktningsmål", "verksamhetsområdesmål", "nämndmål")
ASSESSMENTS = ("helt", "delvis", "inte")
_RANK = {kind: rank for rank, kind in enumerate(KINDS)}

# Goal labels as printed, with the kind they name. The number follows the label.
GOAL_HEADING = re.compile(
    r"^(?P<label>"
    r"(?P<direction>(?:KF:?s|Kommunfullmäktiges)\s+inriktningsmål|Inriktningsmål)"
    r"|(?P<area>(?:(?:KF:?s|Kommunfullmäktiges)\s+)?mål\s+för\s+verksamhetsområdet|Verksamhetsområdesmål)"
    r"|(?P<committee>Nämndmål|Nämndens\s+mål)"
    r")\s*:?\s*(?P<number>\d{1,2}(?:\.\d{1,2}){0,3})?\.?\s*(?P<text>.*)$",
    re.IGNORECASE,
)
# The status line under a goal heading: "Uppfylls helt", "Delvis uppfyllt", "Uppnås inte" …
STATUS_LINE = re.compile(
    r"^\s*(?:Målet\s+)?(?:(?P<verb>uppfylls|uppfyllt|uppfylld|uppnås|uppnått|bedöms\s+uppfyllas|bedöms\s+uppnås)"
    r"\s*(?P<degree>helt|delvis|inte|ej)?|(?P<pre>helt|delvis|inte|ej)\s+(?:uppfyllt|uppfylld|uppnått))\s*[.!]?\s*$",
    re.IGNORECASE,
)
# An assessment sentence: a judgement ("bedömer", "gör bedömningen") about a goal being met.
ASSESSMENT_CUE = re.compile(r"\b(bedömer|bedömning(en)?|bedöms|prognos(en|tiseras)?)\b", re.IGNORECASE)
GOAL_NOUN = re.compile(r"\b(målet|målen|nämndmålet|inriktningsmålet|mål(et)?\s+för\s+verksamhetsområdet|årets\s+mål)\b",
                       re.IGNORECASE)
ATTAINMENT = re.compile(r"\b(uppnå\w*|uppfyll\w*|nås|nåd\w*|nå)\b", re.IGNORECASE)
NEGATION = re.compile(r"\b(inte|ej|icke)\b", re.IGNORECASE)
PARTIAL = re.compile(r"\bdelvis\b", re.IGNORECASE)
KIND_NOUNS = {"inriktningsmål": re.compile(r"inriktningsmål", re.IGNORECASE),
              "verksamhetsområdesmål": re.compile(r"verksamhetsområde", re.IGNORECASE),
              "nämndmål": re.compile(r"nämndmål", re.IGNORECASE)}


@dataclass
class Indicator:
    """One row of an indicator table. ``values`` holds the row's cells as read, in order."""

    name: str
    outcome: str | None = None
    forecast: str | None = None
    target: str | None = None
    period: str | None = None
    values: list[str] = field(default_factory=list)
    columns: str = "header"  # "header": cells placed by the table's header; "inferred": from a text extraction


@dataclass
class Goal:
    """A goal of a report with its place in the hierarchy, assessment and indicators."""

    goal: str
    number: str | None
    kind: str
    parent: str | None
    parent_number: str | None
    assessment: str | None
    assessment_source: str | None  # "status" (the line under the heading), "sentence" or None
    assessment_text: str | None
    page: int | None
    doc: str
    district: str | None
    year: int | None
    report_type: str | None
    block: int  # index of the goal's heading in Document.blocks
    passage_id: str | None  # the first passage under the goal ("doc#block"), as the index and batch name it
    indicators: list[Indicator] = field(default_factory=list)

    def to_record(self) -> dict[str, Any]:
        """The public record of ``rapport goals``."""
        return asdict(self)


def parse_goal_heading(text: str) -> tuple[str, str | None, str] | None:
    """``(kind, number, text)`` of a goal heading, or None when the text is not one."""
    match = GOAL_HEADING.match(text.strip())
    if not match:
        return None
    kind = "inriktningsmål" if match["direction"] else "verksamhetsområdesmål" if match["area"] else "nämndmål"
    return kind, match["number"], match["text"].strip()


def status_assessment(text: str) -> str | None:
    """``helt`` / ``delvis`` / ``inte`` from a status line such as "Uppfylls delvis"."""
    match = STATUS_LINE.match(text)
    if not match:
        return None
    degree = (match["degree"] or match["pre"] or "helt").casefold()
    return "inte" if degree in ("inte", "ej") else degree


def sentence_assessment(sentence: str, kind: str) -> tuple[str, int] | None:
    """The assessment a sentence makes, with a preference score (higher: names this kind)."""
    if not (ASSESSMENT_CUE.search(sentence) and GOAL_NOUN.search(sentence) and ATTAINMENT.search(sentence)):
        return None
    if PARTIAL.search(sentence):
        degree = "delvis"
    elif NEGATION.search(sentence):
        degree = "inte"
    else:
        degree = "helt"
    names_kind = bool(KIND_NOUNS[kind].search(sentence))
    names_other = any(p.search(sentence) for k, p in KIND_NOUNS.items() if k != kind)
    return degree, 2 if names_kind else 0 if names_other else 1


def extract_goals(doc: Document) -> list[Goal]:
    """The goals of a segmented report, in document order."""
    blocks = doc.blocks
    starts: list[tuple[int, str, str | None, str]] = []
    for index, block in enumerate(blocks):
        if block.type is not BlockType.HEADING:
            continue
        parsed = parse_goal_heading(block.text)
        if parsed is None:
            continue
        kind, number, text = parsed
        if not text and index + 1 < len(blocks):  # a label-only heading: the goal text follows
            text = blocks[index + 1].text.strip()
        if text:
            starts.append((index, kind, number, text))

    goals: list[Goal] = []
    above: dict[str, Goal] = {}
    for position, (index, kind, number, text) in enumerate(starts):
        end = starts[position + 1][0] if position + 1 < len(starts) else len(blocks)
        end = _part_end(blocks, index, end)
        region = blocks[index + 1:end]
        parent = next((above[k] for k in reversed(KINDS[:_RANK[kind]]) if k in above), None)
        assessment, source, evidence = _assessment(region, kind)
        goal = Goal(
            goal=text, number=number, kind=kind, parent=parent.goal if parent else None,
            parent_number=parent.number if parent else None, assessment=assessment, assessment_source=source,
            assessment_text=evidence, page=blocks[index].page, doc=doc.id, district=doc.district, year=doc.year,
            report_type=doc.report_type, block=index,
            passage_id=next((f"{doc.id}#{i}" for i in range(index + 1, end) if blocks[i].is_passage), None),
            indicators=indicators_of(region),
        )
        goals.append(goal)
        above[kind] = goal
        for lower in KINDS[_RANK[kind] + 1:]:  # a new goal closes the goals below the one it replaces
            above.pop(lower, None)
    return goals


def _part_end(blocks: list[Block], start: int, end: int) -> int:
    """A goal's text ends at the next goal or at the next top-level part ("Ekonomi")."""
    for index in range(start + 1, end):
        block = blocks[index]
        if block.type is BlockType.HEADING and block.level == 1:
            return index
    return end


def _assessment(region: list[Block], kind: str) -> tuple[str | None, str | None, str | None]:
    for block in region[:3]:  # the status line sits right under the heading
        if block.type is not BlockType.TABLE and len(block.text) < 60:
            degree = status_assessment(block.text)
            if degree:
                return degree, "status", block.text.strip()
    best: tuple[int, str, str] | None = None
    for block in region:
        if not block.is_passage:
            continue
        for sentence in block.sentences or []:
            found = sentence_assessment(sentence.text, kind)
            if found and (best is None or found[1] > best[0]):
                best = (found[1], found[0], sentence.text.strip())
                if found[1] == 2:
                    return best[1], "sentence", best[2]
    if best:
        return best[1], "sentence", best[2]
    return None, None, None


# -- indicator tables ---------------------------------------------------------------------
HEADER_COLUMNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^indikator(er)?$"), "name"),
    (re.compile(r"^(periodens\s+)?utfall(\s+(period|perioden|t\d|tertial\s*\d))?$"), "outcome"),
    (re.compile(r"^prognos(\s+helår)?$"), "forecast"),
    (re.compile(r"^(nämndens\s+)?årsmål$|^mål(värde)?$"), "target"),
    (re.compile(r"^kf:?s\s+årsmål$"), "kf_target"),
    (re.compile(r"^period$"), "period"),
)
ACTIVITY_HEADER = re.compile(r"^\s*Aktivitet(er)?\b", re.IGNORECASE)
INDICATOR_HEADER = re.compile(r"^\s*Indikator(er)?\b", re.IGNORECASE)
# Fragments of the Stockholm indicator header as a text extraction breaks it up.
HEADER_WORDS = re.compile(r"^(indikator|periodens|perio|dens|utfall|män|pojkar|kvinn\w*|or|flick\w*|r|vb|\d{4}|"
                          r"progno|prognos|s|helår|årsmål|kf:s|period)$", re.IGNORECASE)
NUMBER = r"[<>≤≥]?[-+−]?\d+(?:[.,]\d+)?"
UNIT = r"(?:%|st|kr|tkr|mnkr|mkr|kg|GWh|barn/avd\.?)"  # not "timmar", "dagar": names say "inom 48 timmar"
VALUE_TOKEN = re.compile(rf"^({NUMBER}%?|{UNIT}|-|–|\+/-\d*%?|\d+-\d+)$")
CONTINUATION_WORDS = frozenset(
    w.casefold() for w in ("Tas", "fram", "av", "nämnd", "nämnd/", "styrelse", "Ny", "indikator", "Inget", "utfall",
                           "Tertial", "Helår", "Max", "VB", "CO2", "GWh", "Faststäl", "Fastställs", "ls", "T1", "T2",
                           "T3", "person", "personer", "er", "per", "Ökning", "Minskning", "Öka", "Minska", "Minskni", "Ökni",
                           "ng"))
PERIOD_END = re.compile(r"(?P<period>(?:(?:Tertial|T)\s*\d\s*|Helår\s*|VB\s*)?(?:19|20)\d{2})\s*$")
THOUSANDS = r"[-+−]?\d{1,2}(?:\s\d{3})+(?:,\d+)?"  # "7 000", "4 500"; "510 680" stays two cells
CELL = re.compile(
    r"(?:Ökning|Minskning|Minskni\s*ng|Ökni\s*ng)\b|Tas\s+fram\s+av\s+nämnd(?:/\s*styrelse)?|Ny\s+indikator|Inget\s+utfall|Fastställs\s+\d{4}|Max\s+\d+(?:\s+[^\W\d]+)?"
    rf"|\+/-\s*\d+(?:,\d+)?\s*%?|{THOUSANDS}(?:\s*{UNIT})?|{NUMBER}(?:\s*{UNIT}(?![^\W\d]))?|(?<!\S)[-–](?!\S)"
)


def indicators_of(region: Iterable[Block]) -> list[Indicator]:
    """Indicator rows of the tables in a goal's own text (its indicator tables, not activity
    tables). A table that follows an indicator table without a header of its own continues
    it: text extractions break one table into several."""
    rows: list[Indicator] = []
    in_indicators = False
    for block in region:
        if block.type is BlockType.HEADING and parse_goal_heading(block.text):
            break
        if block.type is not BlockType.TABLE or not block.rows:
            continue
        for table_rows in _split_tables(block.rows):
            first = table_rows[0][0] if table_rows[0] else ""
            if ACTIVITY_HEADER.match(first):
                in_indicators = False
                continue
            if INDICATOR_HEADER.match(first):
                in_indicators = True
            elif not in_indicators:
                continue
            rows.extend(_table_indicators(table_rows))
    return rows


def _split_tables(rows: list[list[str]]) -> list[list[list[str]]]:
    """A table block's rows cut where a new header row (Indikator / Aktivitet) begins."""
    tables: list[list[list[str]]] = []
    for row in rows:
        first = row[0] if row else ""
        if not tables or INDICATOR_HEADER.match(first) or ACTIVITY_HEADER.match(first):
            tables.append([row])
        else:
            tables[-1].append(row)
    return tables


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _header_map(header: list[str]) -> dict[int, str] | None:
    mapping: dict[int, str] = {}
    for column, cell in enumerate(header):
        key = _norm(cell).casefold()
        for pattern, name in HEADER_COLUMNS:
            if pattern.match(key):
                mapping[column] = name
                break
    return mapping if mapping.get(0) == "name" and len(mapping) >= 3 else None


def _table_indicators(rows: list[list[str]]) -> list[Indicator]:
    header = rows[0]
    # a real header row (a PDF table, Word, HTML): named columns, rows of the same width;
    # a text extraction's header is a run of fragments ("Periodens", "utfall", …)
    mapping = _header_map(header) if 4 <= len(header) <= 12 else None
    if mapping is not None and len(rows) > 1 and all(len(r) == len(header) for r in rows[1:]):
        found = []
        for row in rows[1:]:
            cells = {name: (_norm(row[c]) or None) for c, name in mapping.items()}
            if not cells.get("name"):
                continue
            found.append(Indicator(name=cells["name"], outcome=cells.get("outcome"), forecast=cells.get("forecast"),
                                   target=cells.get("target") or cells.get("kf_target"), period=cells.get("period"),
                                   values=[_norm(c) for c in row[1:]], columns="header"))
        return found
    return _fragment_indicators([cell for row in rows for cell in row])


def _strip_header(fragments: list[str]) -> list[str]:
    if not fragments or not INDICATOR_HEADER.match(fragments[0]):
        return fragments
    for index, fragment in enumerate(fragments):
        words = fragment.split()
        if not words or not all(HEADER_WORDS.match(w.rstrip("/")) for w in words):
            return fragments[index:]
        if words[-1].casefold() == "period":
            return fragments[index + 1:]
    return []


def _is_value_word(word: str) -> bool:
    return bool(VALUE_TOKEN.match(word)) or word.casefold() in CONTINUATION_WORDS


def _split_name_values(fragment: str) -> tuple[str, str]:
    """"Antal barn per grupp 14,5" → ("Antal barn per grupp", "14,5"): the value part is the
    longest run of value tokens at the end that holds a figure."""
    words = fragment.split()
    start = len(words)
    while start > 0 and _is_value_word(words[start - 1]):
        start -= 1
    tail = words[start:]
    if not any(any(c.isdigit() for c in w) for w in tail) and not (tail and tail[0].casefold() in ("tas", "ny", "inget")):
        return fragment, ""
    return " ".join(words[:start]), " ".join(tail)


def _starts_new_name(fragment: str) -> bool:
    first = fragment.split()[0] if fragment.split() else ""
    return bool(first) and first[0].isupper() and not _is_value_word(first)


def _fragment_indicators(fragments: list[str]) -> list[Indicator]:
    """Rows of an indicator table a text extraction has broken into line fragments."""
    from .hyphenation import is_known_word

    found: list[Indicator] = []
    name: list[str] = []
    values: list[str] = []

    def flush() -> None:
        if name and values:
            found.append(_inferred_row(_join_name(name, is_known_word), " ".join(values)))

    for fragment in _strip_header([_norm(f) for f in fragments if _norm(f)]):
        if values and _starts_new_name(fragment):
            flush()
            name, values = [], []
        if values:
            values.append(fragment)
            continue
        head, tail = _split_name_values(fragment)
        if head:
            name.append(head)
        if tail:
            values.append(tail)
    flush()
    return found


def _join_name(parts: list[str], is_known_word: Any) -> str:
    """Name fragments joined; a word the column width split without a hyphen is joined back
    ("funktionsnedsättni" + "ng som upplever")."""
    text = parts[0]
    for part in parts[1:]:
        left = text.split()[-1] if text.split() else ""
        right = part.split()[0]
        if (left and right[:1].islower() and left[-1:].isalpha() and not is_known_word(left.casefold())
                and is_known_word((left + right).casefold())):
            text = text + part
        else:
            text = text + " " + part
    return text


LEADING_SENTENCES = re.compile(r"^.*[.!?]\s+(?=[A-ZÅÄÖ])")


def _inferred_row(name: str, value_text: str) -> Indicator:
    # prose the segmenter left in front of a row ("Resultatet kommer i höst. Andel …")
    name = LEADING_SENTENCES.sub("", name)
    period = None
    match = PERIOD_END.search(value_text)
    if match:
        period = _norm(match["period"])
        value_text = value_text[:match.start()]
    cells = [_norm(m.group(0)) for m in CELL.finditer(value_text)]
    figures = [c for c in cells if any(ch.isdigit() for ch in c) and not c.startswith("Fastställs")]
    outcome = cells[0] if cells and any(ch.isdigit() for ch in cells[0]) else None
    # Without column positions only the ends are sure: the first figure is the period's
    # outcome, the last one the target (a committee-set KF target, "Tas fram av nämnd", ends
    # the row after the committee's own target).
    target = figures[-1] if len(figures) >= 2 else None
    return Indicator(name=name, outcome=outcome, forecast=None, target=target, period=period, values=cells,
                     columns="inferred")


def goal_records(docs: Iterable[Document]) -> Iterable[dict[str, Any]]:
    """``rapport goals`` records of many documents."""
    for doc in docs:
        for goal in extract_goals(doc):
            yield goal.to_record()


__all__ = ["Goal", "Indicator", "extract_goals", "goal_records", "parse_goal_heading", "status_assessment",
           "sentence_assessment", "indicators_of", "KINDS", "ASSESSMENTS"]
