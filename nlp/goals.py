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

from .ingest.metadata import load_structure
from .model import Block, BlockType, Document, passage_id

WORD = re.compile(r"[^\W\d_]+")
KINDS = ("inriktningsmål", "verksamhetsområdesmål", "nämndmål")
ASSESSMENTS = ("helt", "delvis", "inte")
_RANK = {kind: rank for rank, kind in enumerate(KINDS)}

# Goal labels as printed, with the kind they name (groups direction / area / committee; the
# number follows the label), and the status line under a goal heading ("Uppfylls helt",
# "Delvis uppfyllt", "Uppnås inte"): both from the report vocabulary's "structure" section.
GOAL_HEADING = load_structure().goal_heading
STATUS_LINE = load_structure().assessment_line
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
    municipality: str | None
    organisation: str | None
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
    text = match["text"].strip()
    if match["number"] is None and text[:1].islower():
        return None  # "Nämndens mål och verksamhetsplan": a section title, not a goal
    return kind, match["number"], text


def status_assessment(text: str) -> str | None:
    """``helt`` / ``delvis`` / ``inte`` from a status line such as "Uppfylls delvis"."""
    match = STATUS_LINE.match(text)
    if not match:
        return None
    degree = (match["degree"] or match["pre"] or match["mid"] or "helt").casefold()
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
    vocabulary = frozenset(w.casefold() for b in blocks if b.is_passage for w in WORD.findall(b.text)) if starts else frozenset()
    for position, (index, kind, number, text) in enumerate(starts):
        if position + 1 < len(starts):
            end = starts[position + 1][0]
        else:  # the last goal ends where the next part begins ("Ekonomi"); a level-1 heading
            # between two goals is a sub-heading the segmenter took for a part
            end = _part_end(blocks, index, len(blocks))
        region = blocks[index + 1:end]
        parent = next((above[k] for k in reversed(KINDS[:_RANK[kind]]) if k in above), None)
        assessment, source, evidence = _assessment(region, kind)
        goal = Goal(
            goal=text, number=number, kind=kind, parent=parent.goal if parent else None,
            parent_number=parent.number if parent else None, assessment=assessment, assessment_source=source,
            assessment_text=evidence, page=blocks[index].page, doc=doc.id, district=doc.district, year=doc.year,
            report_type=doc.report_type, municipality=getattr(doc, "municipality", None),
            organisation=getattr(doc, "organisation", None), block=index,
            passage_id=next((passage_id(doc.id, i) for i in range(index + 1, end) if blocks[i].is_passage), None),
            indicators=indicators_of(region, vocabulary),
        )
        goals.append(goal)
        above[kind] = goal
        for lower in KINDS[_RANK[kind] + 1:]:  # a new goal closes the goals below the one it replaces
            above.pop(lower, None)
    return goals


def _part_end(blocks: list[Block], start: int, end: int) -> int:
    """The index of the next top-level part ("Ekonomi") after ``start``, or ``end``."""
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
HEADER_WORDS = re.compile(r"^(indikator(er)?|periodens|perio|dens|utfall|män|pojkar|kvinn\w*|or|flick\w*|r|vb|\d{4}|"
                          r"progno|prognos|s|helår|årsmål|kf:s|period|målvärde|målnivå|mål|trend|föregående|år|t\d|tertial|\d|"
                          r"[a-zåäö]{3}-[a-zåäö]{3})$",
                          re.IGNORECASE)
# Column names of an indicator header printed on one line ("Indikator Utfall 2021 Utfall
# 2022 Målvärde Period"), tried in this order at each position.
HEADER_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?:periodens\s+)?utfall\s+(?:män|pojkar)(?:\s*/\s*(?:pojkar|män))?\b", re.I), "men"),
    (re.compile(r"(?:periodens\s+)?utfall\s+(?:kvinnor|flickor)(?:\s*/\s*(?:flickor|kvinnor))?\b", re.I), "women"),
    (re.compile(r"(?:periodens\s+)?utfall\s+föregående\s+år\b|föregående\s+år\b", re.I), "previous"),
    (re.compile(r"(?:periodens\s+)?utfall(?:\s+(?:(?:tertial\s*|t)\d(?:\s+(?:19|20)\d{2})?|(?:[a-zåäö]{3}-[a-zåäö]{3}\s+)?"
                r"(?:19|20)\d{2}))?\b", re.I), "outcome"),
    (re.compile(r"trend\b", re.I), "trend"),
    (re.compile(r"prognos(?:\s+helår)?(?:\s+(?:19|20)\d{2})?\b", re.I), "forecast"),
    (re.compile(r"kf:?s\s+årsmål(?:\s+(?:19|20)\d{2})?", re.I), "kf_target"),
    (re.compile(r"(?:nämndens\s+|periodens\s+)?(?:årsmål|målvärde|målnivå|mål)(?:\s+(?:19|20)\d{2})?\b", re.I), "target"),
    (re.compile(r"period\b", re.I), "period"),
)


def header_line_columns(text: str) -> list[str] | None:
    """The columns after the name of a one-line indicator header, or None when the line is
    not such a header (every word must belong to a known column name)."""
    match = INDICATOR_HEADER.match(text)
    if not match:
        return None
    rest, columns = text[match.end():].strip(), []
    while rest:
        for pattern, column in HEADER_PHRASES:
            found = pattern.match(rest)
            if found:
                year = re.search(r"(?:19|20)\d{2}", found.group(0))
                columns.append(f"{column}:{year.group(0)}" if column == "outcome" and year else column)
                rest = rest[found.end():].strip()
                break
        else:
            return None
    return columns if len(columns) >= 2 and ("target" in columns or "period" in columns) else None


def _outcome_column(columns: list[str]) -> int | None:
    """Of the outcome columns, the latest year's ("Utfall 2021 Utfall 2020" → 2021), else the
    last one."""
    outcomes = [(i, c) for i, c in enumerate(columns) if c.split(":")[0] == "outcome"]
    if not outcomes:
        return None
    dated = [(int(c.split(":")[1]), i) for i, c in outcomes if ":" in c]
    return max(dated)[1] if dated else outcomes[-1][0]
NUMBER = r"[<>≤≥]?[-+−]?\d+(?:[.,]\d+)?"
UNIT = r"(?:%|st|kr|tkr|mnkr|mkr|kg|gram|km|GWh|MWh|kWh|barn/avd\.?)"  # not "timmar", "dagar": names say "inom 48 timmar"
VALUE_TOKEN = re.compile(rf"^({NUMBER}%?|{UNIT}|-|–|\+/-\d*%?)$")  # not "1-14": "Sjukfrånvaro dag 1-14"
MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
          "november", "december")
MONTH_ABBREVIATIONS = tuple(m[:3] for m in MONTHS if len(m) > 3)  # "aug"; "maj" is its own
MONTH_WORDS = frozenset(MONTHS + MONTH_ABBREVIATIONS)


def _capitalisable(word: str) -> str:
    """A regex for a word in lowercase or with a capital first letter ("[Aa]ug")."""
    return f"[{word[0].upper()}{word[0]}]{word[1:]}"


CONTINUATION_WORDS = frozenset(
    w.casefold() for w in ("Tas", "fram", "av", "nämnd", "nämnd/", "styrelse", "Ny", "indikator", "Inget", "utfall",
                           "Tertial", "Helår", "Max", "VB", "CO2", "GWh", "Faststäl", "Fastställs", "ls", "T1", "T2",
                           "T3", "person", "personer", "er", "per", "Ökning", "Minskning", "Öka", "Minska", "Minskni", "Ökni",
                           "ng", "förbättrad", "försämrad", "oförändrad")) | MONTH_WORDS
MONTH_RANGE = re.compile(r"^[a-zåäö]{3}-[a-zåäö]{3}$", re.IGNORECASE)  # "Jan-aug 2022"
PERIOD_END = re.compile(
    r"(?P<period>(?:(?:Tertial|T)\s*\d\s*|Helår\s*|VB\s*|(?:" + "|".join(_capitalisable(m) for m in MONTHS)
    + r"|(?:[A-ZÅÄÖa-zåäö]{3}-)?(?:" + "|".join(_capitalisable(m) for m in MONTH_ABBREVIATIONS) + r"))"
    r"\s+)?(?:19|20)\d{2})\s*$")
THOUSANDS = r"[-+−]?\d{1,2}(?:\s\d{3})+(?:,\d+)?"  # "7 000", "4 500"; "510 680" stays two cells
CELL = re.compile(
    r"(?:Ökning|Minskning|öka|minska|Förbättrad|Försämrad|Oförändrad)\b|Tas\s+fram\s+av\s+nämnd(?:/styrelse)?|Ny\s+indikator(?:\s+\d{4})?"
    r"|Inget\s+utfall(?:\s+\d{4})?|Fastställs\s+\d{4}|Max\s+\d+(?:\s+[^\W\d]+)?"
    rf"|\+/-\s*\d+(?:,\d+)?\s*%?|{THOUSANDS}(?:\s*{UNIT})?|{NUMBER}(?:\s*(?:kg\s+CO2\s+per\s+kg\s+livsmedel|{UNIT})(?![^\W\d]))?"
    r"|(?<!\S)[-–](?!\S)"
)
# Words a narrow table column broke over two fragments, as the extraction prints them.
SPLIT_WORDS = ((re.compile(r"Faststäl\s+ls\b"), "Fastställs"), (re.compile(r"Minskni\s+ng\b"), "Minskning"),
               (re.compile(r"Ökni\s+ng\b"), "Ökning"), (re.compile(r"\bperson\s+er\b"), "personer"),
               (re.compile(r"livsmed\s+el\b"), "livsmedel"), (re.compile(r"barn/a\s+vd\."), "barn/avd."),
               (re.compile(r"nämnd/\s+styrelse"), "nämnd/styrelse"),
               (re.compile(r"energie\s+ffektivis\s+ering"), "energieffektivisering"))


def indicators_of(region: Iterable[Block], vocabulary: frozenset[str] = frozenset()) -> list[Indicator]:
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
            found = _table_indicators(table_rows, vocabulary)
            if found and rows and found[0].columns == "inferred" and found[0].name[:1].islower():
                # a row a page break cut: its name goes on after the repeated header
                rest = found.pop(0)
                rows[-1].name = f"{rows[-1].name} {rest.name}"
                rows[-1].period = rows[-1].period or rest.period
            rows.extend(found)
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


def _table_indicators(rows: list[list[str]], vocabulary: frozenset[str] = frozenset()) -> list[Indicator]:
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
    fragments = [_norm(cell) for row in rows for cell in row if _norm(cell)]
    rest = _strip_header(fragments)
    header_fragments = len(fragments) - len(rest)
    columns = header_line_columns(" ".join(fragments[:header_fragments])) if header_fragments else None
    # under a header printed on one line, rows are laid out whole, so a lowercase line after
    # a row's figures is its name wrapping on; in a broken-up extraction it is a cell's end
    found = _fragment_indicators(fragments, vocabulary, names_wrap=header_fragments == 1 and columns is not None)
    if not found and rest and rest[0][:1].islower() and not any(ch.isdigit() for f in rest for ch in f):
        # the end of a name a page break cut, after the repeated header ("fritiden")
        return [Indicator(name=" ".join(rest), columns="inferred")]
    if columns:
        for row in found:
            _place_by_header(row, columns)
    return found


def _place_by_header(row: Indicator, columns: list[str]) -> None:
    """Cells of a row read from text put under the header's columns, when the row has as
    many cells as the header has value columns, or can be regrouped to that many (otherwise
    the inferred ends stay)."""
    value_columns = [c for c in columns if c != "period"]
    if len(row.values) != len(value_columns):
        regrouped = _regroup(row.values, len(value_columns))
        if regrouped is None:
            return
        moved, row.values = regrouped
        if moved:
            row.name = f"{row.name} {moved}"
    cells = dict(zip(value_columns, row.values))
    chosen = _outcome_column(value_columns)
    row.outcome = _no_dash(row.values[chosen]) if chosen is not None else None
    row.forecast = _no_dash(cells.get("forecast"))
    row.target = _no_dash(cells.get("target") or cells.get("kf_target"))
    row.columns = "header"


def _no_dash(cell: str | None) -> str | None:
    return None if cell in ("-", "–") else cell


GROUP_UNITS = frozenset(("%", "st", "kr", "tkr", "mnkr", "mkr", "gram", "g", "kg", "km", "kwh", "mwh", "gwh", "ton"))


def _regroup(values: list[str], count: int) -> tuple[str, list[str]] | None:
    """The row's figures regrouped into ``count`` cells where a narrow table broke numbers
    with thousands spaces apart or a number of the name ("åk 9") was taken for a cell:
    ``(text moved to the name, cells)``. Of the groupings, the one whose cells are most alike
    in magnitude wins ("304 457 kr 321 214 kr" → two cells; "9 220 234 236" → "9" + three)."""
    import math

    items: list[tuple[str, str | None]] = []  # (number or dash, unit)
    for word in " ".join(values).split():
        if word.casefold() in GROUP_UNITS and items and items[-1][1] is None and items[-1][0] not in "-–":
            items[-1] = (items[-1][0], word)
        elif re.fullmatch(r"\d+(?:,\d+)?|[-–]", word):
            items.append((word, None))
        else:
            return None

    def cells(run: list[tuple[str, str | None]]) -> list[list[str]] | None:
        # all ways to cut a run into ``count`` cells; a cell of several items is a number
        # with thousands groups: 1–3 digits, then groups of exactly 3, a unit only at the end
        def ok(cell: list[tuple[str, str | None]]) -> bool:
            if len(cell) == 1:
                return True
            head, rest = cell[0], cell[1:]
            return (re.fullmatch(r"\d{1,3}", head[0]) is not None and head[1] is None
                    and all(re.fullmatch(r"\d{3}(?:,\d+)?", n) and (u is None or k == len(rest) - 1)
                            for k, (n, u) in enumerate(rest))
                    and all(re.fullmatch(r"\d{3}", n) for n, _ in rest[:-1]))

        found: list[list[str]] = []

        def walk(start: int, left: int, acc: list[str]) -> None:
            if len(found) > 200:
                return
            if left == 0:
                if start == len(run):
                    found.append(list(acc))
                return
            for end in range(start + 1, len(run) - left + 2):
                cell = run[start:end]
                if not ok(cell):
                    break
                text = " ".join(n for n, _ in cell) + (f" {cell[-1][1]}" if cell[-1][1] else "")
                walk(end, left - 1, acc + [text])

        walk(0, count, [])
        return found or None

    def spread(option: list[str]) -> float:
        magnitudes = []
        for cell in option:
            digits = "".join(w for w in cell.split() if w.casefold() not in GROUP_UNITS).replace(",", ".")
            if digits and digits not in "-–":
                magnitudes.append(math.log10(max(float(digits), 1e-3)))
        if len(magnitudes) < 2:
            return 0.0
        mean = sum(magnitudes) / len(magnitudes)
        return sum((m - mean) ** 2 for m in magnitudes) / len(magnitudes)

    options: list[tuple[float, str, list[str]]] = []
    for option in cells(items) or []:
        options.append((spread(option), "", option))
    if items and re.fullmatch(r"\d{1,3}", items[0][0]) and items[0][1] is None:
        for option in cells(items[1:]) or []:
            options.append((spread(option) + 0.05, items[0][0], option))
    if not options:
        return None
    best = min(options, key=lambda o: o[0])
    return best[1], best[2]


def _strip_header(fragments: list[str]) -> list[str]:
    if not fragments or not INDICATOR_HEADER.match(fragments[0]):
        return fragments
    for index, fragment in enumerate(fragments):
        words = fragment.replace("/", " ").split()
        if not words or not all(HEADER_WORDS.match(w) for w in words):
            return fragments[index:]
        if words[-1].casefold() == "period":
            return fragments[index + 1:]
    return []


def _is_value_word(word: str) -> bool:
    return bool(VALUE_TOKEN.match(word)) or word.casefold() in CONTINUATION_WORDS or bool(MONTH_RANGE.match(word))


def _split_name_values(fragment: str) -> tuple[str, str]:
    """"Antal barn per grupp 14,5" → ("Antal barn per grupp", "14,5"): the value part is the
    longest run of value tokens at the end that holds a figure."""
    words = fragment.split()
    start = len(words)
    while start > 0 and _is_value_word(words[start - 1]):
        start -= 1
    tail = words[start:]
    has_figure = any(re.fullmatch(rf"{NUMBER}%?", w) for w in tail)
    if not has_figure and not (tail and tail[0].casefold() in ("tas", "ny", "inget", "faststäl", "fastställs")):
        return fragment, ""  # "Nämndens prognossäkerhet T2": T2 is part of the name
    return " ".join(words[:start]), " ".join(tail)


def _starts_new_name(fragment: str) -> bool:
    first = fragment.split()[0] if fragment.split() else ""
    return bool(first) and first[0].isupper() and not _is_value_word(first)


def _fragment_indicators(fragments: list[str], vocabulary: frozenset[str] = frozenset(),
                         names_wrap: bool = False) -> list[Indicator]:
    """Rows of an indicator table a text extraction has broken into line fragments."""
    from .ingest.hyphenation import is_known_word

    found: list[Indicator] = []
    name: list[str] = []
    values: list[str] = []

    def flush() -> None:
        if name and values:
            found.append(_inferred_row(_join_name(name, is_known_word, vocabulary), " ".join(values)))

    cleaned = _strip_header([_norm(f) for f in fragments if _norm(f)])
    for position, fragment in enumerate(cleaned):
        if values and _starts_new_name(fragment):
            flush()
            name, values = [], []
        if names_wrap and values and fragment[:1].islower() and not any(ch.isdigit() for ch in fragment) \
                and not all(_is_value_word(w) for w in fragment.split()):
            name.append(fragment)  # the name wraps on below its figures ("stöd via Jobbtorg Stockholm")
            continue
        if values:
            values.append(fragment)
            continue
        head, tail = _split_name_values(fragment)
        following = cleaned[position + 1] if position + 1 < len(cleaned) else ""
        if head and re.fullmatch(r"\d{1,3}", tail) and following[:1].islower() and not _is_value_word(following.split()[0]):
            head, tail = fragment, ""  # "… inom 48" + "timmar": a number in the name, not a figure
        if head:
            name.append(head)
        if tail:
            values.append(tail)
    flush()
    return found


def _split_word(left: str, right: str, is_known_word: Any, vocabulary: frozenset[str] = frozenset()) -> bool:
    """Whether two fragments are one word the column broke: "resultatöverföringa" + "r",
    "institutionsplacerad" + "e", "funktionsnedsättni" + "ng". The report's own prose is the
    best evidence: "Relationsvåldscentrum" is written out there, "Relationsvåldscent" is not."""
    if not right:
        return False
    if len(right) == 1 and len(left) >= 6:  # "högskolestuderand" + "e": no Swedish word is one letter here
        return right not in ("i", "å", "ö")
    if vocabulary and left + right in vocabulary and not (left in vocabulary and right in vocabulary):
        return True
    left_known, right_known = is_known_word(left), is_known_word(right)
    if is_known_word(left + right) and not (left_known and right_known):
        return True
    if len(left) >= 8 and len(right) <= 4 and is_known_word(left + right) and _rare(right):
        # "tillsvidareanställnin" + "gar", "biståndshandlägga" + "rens": a long word's
        # inflected end; the compound splitter calls both halves words
        return True
    return not right_known and (not left_known or len(right) <= 3)


def _rare(word: str) -> bool:
    """A fragment too rare to be a word of its own in a name ("gar", "rens"; not "per", "år")."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "sv") < 4.0


def _join_name(parts: list[str], is_known_word: Any, vocabulary: frozenset[str] = frozenset()) -> str:
    """Name fragments joined; a word the column width split without a hyphen is joined back
    ("funktionsnedsättni" + "ng som upplever")."""
    text = parts[0]
    for part in parts[1:]:
        left = text.split()[-1] if text.split() else ""
        right = part.split()[0]
        if left.endswith("-") and right[:1].islower() and right not in ("och", "eller", "samt"):
            text = text + part  # "14-" + "dagarsperiod", "ANDT-" + "förebyggande"
        elif left and right.islower() and left[-1:].isalpha() and _split_word(  # not "kWh"
                left.casefold(), re.match(r"[^\W\d_]*", right.casefold()).group(0), is_known_word, vocabulary):
            text = text + part
        else:
            text = text + " " + part
    return text


LEADING_SENTENCES = re.compile(r"^.*[.!?]\s+(?=[A-ZÅÄÖ])")


def _inferred_row(name: str, value_text: str) -> Indicator:
    # prose the segmenter left in front of a row ("Resultatet kommer i höst. Andel …")
    name = LEADING_SENTENCES.sub("", name)
    for pattern, word in SPLIT_WORDS:
        value_text = pattern.sub(word, value_text)
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
