"""Report metadata: municipality, organisation, district, year, report type and period.

Read from the title page and first pages (labelled lines such as "Rapportperiod:" or
"Organisation:", title lines, running titles), overridden by a corpus manifest. A field
with no clear evidence stays ``None``: no silent guesses. The vocabulary (report types and
their spellings, organisation name endings, Stockholm's districts, Sweden's
municipalities) is data: ``nlp/data/report_vocabulary.yaml``.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from ..errors import InputError

VOCABULARY_PATH = Path(__file__).with_name("data") / "report_vocabulary.yaml"

YEAR = re.compile(r"\b(19[89]\d|20[0-4]\d)\b")
MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
          "november", "december")
_MONTH = "|".join(MONTHS)
_DASH = r"\s*[-–—]\s*|\s+till\s+"
ISO_DATE = re.compile(r"\b(20[0-4]\d|19[89]\d)-(0[1-9]|1[0-2])-([0-2]\d|3[01])\b")
ISO_RANGE = re.compile(rf"{ISO_DATE.pattern}(?:{_DASH}){ISO_DATE.pattern}")
MONTH_RANGE = re.compile(rf"\b({_MONTH})(?:\s+(\d{{4}}))?(?:{_DASH})({_MONTH})\s+(\d{{4}})\b", re.IGNORECASE)
DAY_MONTH = re.compile(rf"\b(?:per\s+(?:den\s+)?)?(\d{{1,2}})\s+({_MONTH})(?:\s+(\d{{4}}))?\b", re.IGNORECASE)
PER_DAY_MONTH = re.compile(rf"\bper\s+(?:den\s+)?(\d{{1,2}})\s+({_MONTH})(?:\s+(\d{{4}}))?\b", re.IGNORECASE)
MONTH_YEAR = re.compile(rf"\b({_MONTH})\s+(\d{{4}})\b", re.IGNORECASE)
TERTIAL = re.compile(r"^(?:T\s*([123])|tertial\s*([123]))\b", re.IGNORECASE)
FULL_YEAR = re.compile(r"^(?:helår|helåret|hela året)\b", re.IGNORECASE)
TITLE_MAX_CHARS = 80  # a title-page line, not a sentence


@dataclass(frozen=True)
class ReportType:
    value: str
    pattern: re.Pattern[str]
    period: str | None
    title_only: bool


@dataclass(frozen=True)
class Vocabulary:
    report_types: tuple[ReportType, ...]
    districts: tuple[str, ...]
    district_patterns: tuple[tuple[str, re.Pattern[str]], ...]
    municipalities: tuple[str, ...]
    municipality_patterns: tuple[tuple[str, re.Pattern[str]], ...]
    organisation_line: re.Pattern[str]
    label_line: re.Pattern[str]
    label_fields: dict[str, str]
    generic_organisations: frozenset[str]


def _genitive(name: str) -> str:
    # "Norra innerstadens", "Södermalms", "Rinkeby-Kistas"; names ending in s/x/z take none
    return name if name[-1] in "sxz" else name + "s"


def _words(items: Iterable[str]) -> str:
    return "|".join(re.escape(item) for item in sorted(items, key=len, reverse=True))


@lru_cache(maxsize=4)
def _read_vocabulary(path: str | Path = VOCABULARY_PATH) -> dict[str, Any]:
    import yaml  # imported here: the CLI imports this module for every command

    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: cannot read the report vocabulary ({exc}).") from exc


@dataclass(frozen=True)
class Structure:
    """The structure words of the vocabulary file's ``structure`` section, compiled."""

    goal_labels: tuple[tuple[re.Pattern[str], int], ...]
    goal_label_only: re.Pattern[str]
    goal_heading: re.Pattern[str]
    status_line: re.Pattern[str]
    assessment_line: re.Pattern[str]
    parts: frozenset[str]  # casefolded
    summary_parts: frozenset[str]
    subheadings: frozenset[str]
    furniture_texts: frozenset[str]


@lru_cache(maxsize=4)
def load_structure(path: str | Path = VOCABULARY_PATH) -> Structure:
    """Goal labels, assessment lines, parts, sub-headings and furniture texts (cached)."""
    data = _read_vocabulary(path)["structure"]

    def pattern(text: str) -> re.Pattern[str]:
        return re.compile(text, re.IGNORECASE)

    def folded(items: Iterable[str]) -> frozenset[str]:
        return frozenset(item.casefold() for item in items)

    return Structure(
        goal_labels=tuple((pattern(entry["pattern"]), int(entry["level"])) for entry in data["goal_labels"]),
        goal_label_only=pattern(data["goal_label_only"]), goal_heading=pattern(data["goal_heading"]),
        status_line=pattern(data["status_line"]), assessment_line=pattern(data["assessment_line"]),
        parts=folded(data["parts"]), summary_parts=folded(data["summary_parts"]),
        subheadings=folded(data["subheadings"]), furniture_texts=folded(data["furniture_texts"]))


@lru_cache(maxsize=4)
def load_vocabulary(path: str | Path = VOCABULARY_PATH) -> Vocabulary:
    """The report vocabulary from its YAML file (cached)."""
    data = _read_vocabulary(path)
    types = tuple(
        ReportType(
            value=entry["value"],
            pattern=re.compile(r"\b(?:" + "|".join(entry["patterns"]) + r")\b", re.IGNORECASE),
            period=entry.get("period"),
            title_only=bool(entry.get("title_only", False)),
        )
        for entry in data["report_types"]
    )
    districts = tuple(data["districts"])
    district_patterns = tuple(
        (name, re.compile(rf"\b(?:{re.escape(_genitive(name))}|{re.escape(name)})\s+stadsdels(?:nämnd|förvaltning|område)",
                          re.IGNORECASE))
        for name in sorted(districts, key=len, reverse=True)
    )
    municipalities = tuple(name for names in data["municipalities"].values() for name in names)
    forms: dict[str, list[str]] = data.get("municipality_forms") or {}
    municipality_patterns = []
    for name in sorted(municipalities, key=len, reverse=True):
        # the name is case-sensitive ("Mark", "Berg"), the noun after it is not ("Borås Stad")
        regular = rf"(?:{re.escape(_genitive(name))}|{re.escape(name)})\s+(?i:kommun|stad)"
        extra = "".join(f"|{re.escape(form)}" for form in forms.get(name, []))
        municipality_patterns.append((name, re.compile(rf"(?<![\w-])(?:{regular}{extra})(?![\w-])")))
    suffixes = _words(data["organisation_suffixes"])
    # "Kultur- och fritidsnämnden", "Södermalms stadsdelsnämnd", "Kommunstyrelsen": a whole line
    organisation_line = re.compile(
        rf"^(?P<org>[A-ZÅÄÖ][\w-]*(?:\s+(?:och\s+)?[\w-]+){{0,4}}?(?:{suffixes}))$"
    )
    label_fields = {label.casefold(): field for field, key in (
        ("organisation", "organisation_labels"), ("municipality", "municipality_labels"), ("period", "period_labels"),
    ) for label in data[key]}
    label_line = re.compile(rf"^(?P<label>{_words(label_fields)})\s*:\s*(?P<value>\S.*)$", re.IGNORECASE)
    return Vocabulary(types, districts, district_patterns, municipalities, tuple(municipality_patterns),
                      organisation_line, label_line, label_fields,
                      frozenset(n.casefold() for n in data.get("generic_organisations") or ()))


def __getattr__(name: str) -> Any:
    # DISTRICTS stays readable as a constant without loading the vocabulary at import
    # (the CLI imports this module for every command)
    if name == "DISTRICTS":
        return load_vocabulary().districts
    raise AttributeError(name)


@dataclass
class ReportMetadata:
    district: str | None = None
    year: int | None = None
    report_type: str | None = None
    period: str | None = None
    title: str | None = None
    municipality: str | None = None
    organisation: str | None = None

    FIELDS = ("district", "municipality", "organisation", "year", "report_type", "period", "title")

    def fields(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.FIELDS}


def _title_match(text: str, vocabulary: Vocabulary) -> tuple[ReportType, str | None, bool, int | None, re.Match[str]] | None:
    """Report type, period (and whether the title states it) and year from a title such
    as "Tertialrapport 1 2025" or "Årsbokslut 2025"."""
    for kind in vocabulary.report_types:
        match = kind.pattern.search(text)
        if not match:
            continue
        if kind.title_only and (match.start() != 0 or len(text) > 60):
            continue
        after = text[match.end(): match.end() + 25]
        year_match = YEAR.search(after)
        year = int(year_match.group(1)) if year_match else None
        period, stated = None, False
        if kind.period and "{n}" in kind.period:
            number = next((g for g in match.groups() if g), None)
            period, stated = (kind.period.format(n=number), True) if number else (None, False)
        elif kind.period:
            period = kind.period
        if not stated:
            # months named in the title: "Delårsrapport januari–augusti 2025", "Månadsrapport
            # februari 2025", "Delårsrapport per den 31 augusti 2025" (an ISO date after a
            # title is more often a decision date than the period)
            words = text[match.end(): match.end() + 40]
            named = MONTH_RANGE.search(words) or PER_DAY_MONTH.search(words) or MONTH_YEAR.search(words)
            parsed = parse_period(named.group(0), year) if named else None
            if parsed:
                period, stated = parsed, True
        return kind, period, stated, year, match
    return None


def _month(name: str) -> int:
    return MONTHS.index(name.casefold()) + 1


def parse_period(text: str, year: int | None = None) -> str | None:
    """A report period, normalised: "T1".."T3", "helår", a date "2025-12-31", a month
    "2025-02", or a range "2025-01/2025-04" (months) or "2025-01-01/2025-04-30" (dates).
    Day and month without a year ("per den 31 augusti") need ``year``; else ``None``."""
    text = " ".join(text.split())
    match = TERTIAL.match(text)
    if match:
        return f"T{match.group(1) or match.group(2)}"
    if FULL_YEAR.match(text):
        return "helår"
    match = ISO_RANGE.search(text)
    if match:
        return f"{match.group(1)}-{match.group(2)}-{match.group(3)}/{match.group(4)}-{match.group(5)}-{match.group(6)}"
    match = ISO_DATE.search(text)
    if match:
        return match.group(0)
    match = MONTH_RANGE.search(text)
    if match:
        first, first_year, last, last_year = match.groups()
        return f"{first_year or last_year}-{_month(first):02d}/{last_year}-{_month(last):02d}"
    match = DAY_MONTH.search(text)
    if match:
        day, month, stated_year = match.groups()
        if stated_year or year:
            return f"{stated_year or year}-{_month(month):02d}-{int(day):02d}"
        return None
    match = MONTH_YEAR.search(text)
    if match:
        return f"{match.group(2)}-{_month(match.group(1)):02d}"
    return None


def _municipality_in(text: str, vocabulary: Vocabulary, title: bool = False) -> str | None:
    """The municipality ``text`` names as "<name>(s) kommun/stad". With ``title``, only as
    a title-page line has it: at the start, or after a separator ("Kultur- och
    fritidsnämnden, Uppsala kommun"), not inside a sentence ("samverkan med Solna stad")."""
    for name, pattern in vocabulary.municipality_patterns:
        for match in pattern.finditer(text):
            before = text[: match.start()].rstrip()
            if not title or not before or before.endswith((",", "–", "-", "|", "·", "/")):
                return name
    return None


def _title_line(text: str) -> bool:
    return len(text) <= TITLE_MAX_CHARS and not text.rstrip().endswith((".", ",", ";"))


def detect_metadata(front_lines: Iterable[str], running_titles: Iterable[str] = (),
                    vocabulary: Vocabulary | None = None) -> tuple[ReportMetadata, dict[str, str]]:
    """Metadata from a report's first lines (title page and the start of the text).

    Only a title that names type and year together ("Tertialrapport 1 2025") sets type,
    period and year; a labelled line ("Rapportperiod: 2025-12-31", "Organisation: ...",
    "Kommun: ...") sets its field; a district counts when written as
    "<district>s stadsdelsnämnd"; a municipality when a title line or running title
    names it as "<name>(s) kommun/stad", or a Stockholm district is found.
    """
    vocabulary = vocabulary or load_vocabulary()
    meta = ReportMetadata()
    source: dict[str, str] = {}
    lines = [" ".join(line.split()) for line in front_lines if line.strip()]
    running = [" ".join(line.split()) for line in running_titles if line.strip()]
    candidates = running + lines
    period_stated = False
    for text in candidates:
        found = _title_match(text, vocabulary)
        if found and found[3] is not None:
            kind, period, period_stated, year, match = found
            meta.report_type, meta.period, meta.year = kind.value, period, year
            source.update(report_type="title", year="title")
            if period:
                source["period"] = "title"
            if match.start() == 0 and len(text) <= TITLE_MAX_CHARS:
                meta.title = text  # a title line ("Tertialrapport 1 2025"), not a sentence naming it
                source["title"] = "title"
            break

    labelled: dict[str, str] = {}
    for text in lines:
        match = vocabulary.label_line.match(text)
        if match and len(text) <= 120:
            labelled.setdefault(vocabulary.label_fields[match["label"].casefold()], match["value"].strip())
    if "period" in labelled and not period_stated:
        period = parse_period(labelled["period"], meta.year)
        if period:
            meta.period = period  # what the report states beats what its type implies ("helår")
            source["period"] = "label"
            if meta.year is None:
                found_year = YEAR.search(period)
                if found_year:
                    meta.year = int(found_year.group(1))
                    source["year"] = "label"
    if meta.period is None and meta.year is not None:
        for text in candidates:
            match = PER_DAY_MONTH.search(text)
            if match and len(text) <= TITLE_MAX_CHARS:
                meta.period = parse_period(match.group(0), meta.year)
                source["period"] = "title"
                break
    if "organisation" in labelled:
        meta.organisation = labelled["organisation"].rstrip(".")
        source["organisation"] = "label"
    if "municipality" in labelled:
        value = re.sub(r"\s+(?i:kommun|stad)$", "", labelled["municipality"].rstrip("."))
        meta.municipality = _municipality_in(labelled["municipality"], vocabulary) or (
            value if value in vocabulary.municipalities else labelled["municipality"].rstrip(".")
        )
        source["municipality"] = "label"

    for text in candidates:
        for name, pattern in vocabulary.district_patterns:
            match = pattern.search(text)
            if match:
                meta.district = name
                source["district"] = "title"
                if meta.organisation is None and match.group(0).casefold().endswith("nämnd"):
                    meta.organisation = f"{_genitive(name)} stadsdelsnämnd"
                    source["organisation"] = "title"
                break
        if meta.district:
            break

    if meta.organisation is None:
        for text in candidates:
            match = vocabulary.organisation_line.match(text)
            if match and len(text) <= 60 and text.casefold() not in vocabulary.generic_organisations:
                meta.organisation = match["org"]
                source["organisation"] = "title"
                break
    if meta.municipality is None:
        for text in candidates:
            if not _title_line(text):
                continue  # running text names other municipalities ("samverkan med Solna stad")
            name = _municipality_in(text, vocabulary, title=True)
            if name:
                meta.municipality = name
                source["municipality"] = "title"
                break
    if meta.municipality is None and meta.district is not None:
        meta.municipality = "Stockholm"  # the districts are Stockholm's
        source["municipality"] = "district"
    return meta, source


def _norm_key(name: str) -> str:
    return unicodedata.normalize("NFC", Path(name).name).casefold()


class Manifest:
    """A corpus manifest (CSV with at least ``file``; optionally district, municipality,
    organisation, year, report_type, period, title) whose values override detected metadata."""

    COLUMNS = ("district", "municipality", "organisation", "year", "report_type", "period", "title")

    def __init__(self, rows: dict[str, dict[str, str]], path: Path | None = None) -> None:
        self.rows = rows
        self.path = path

    @classmethod
    def read(cls, path: str | Path) -> "Manifest":
        path = Path(path)
        try:
            with path.open(newline="", encoding="utf-8-sig") as handle:
                reader = csv.DictReader(handle)
                if not reader.fieldnames or "file" not in reader.fieldnames:
                    raise InputError(f"{path}: a manifest needs a 'file' column (found: {reader.fieldnames}).")
                rows = {_norm_key(row["file"]): row for row in reader if row.get("file")}
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise InputError(f"{path}: cannot read the manifest ({exc}).") from exc
        return cls(rows, path)

    @classmethod
    def find_for(cls, document_path: Path) -> "Manifest | None":
        candidate = document_path.parent / "manifest.csv"
        if candidate.is_file():
            return cls.read(candidate)
        return None

    def entry(self, document_path: str | Path) -> dict[str, str] | None:
        return self.rows.get(_norm_key(str(document_path)))

    def files(self) -> list[Path]:
        base = self.path.parent if self.path else Path(".")
        return [base / row["file"] for row in self.rows.values()]

    def apply(self, document_path: str | Path, meta: ReportMetadata, source: dict[str, str]) -> None:
        row = self.entry(document_path)
        if not row:
            return
        for column in self.COLUMNS:
            value = (row.get(column) or "").strip()
            if not value:
                continue
            if column == "year":
                try:
                    meta.year = int(value)
                except ValueError as exc:
                    raise InputError(f"{self.path}: year '{value}' for {row['file']} is not a year.") from exc
            else:
                setattr(meta, column, value)
            source[column] = "manifest"
        if meta.municipality is None and meta.district in load_vocabulary().districts:
            meta.municipality = "Stockholm"  # the districts are Stockholm's
            source["municipality"] = "district"
