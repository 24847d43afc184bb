"""Report metadata: district, year, report type and period.

Read from the title page and first pages (and running titles), overridden by a corpus
manifest. A field with no clear evidence stays ``None``: no silent guesses.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from .errors import InputError

# Stockholm's district councils, current and earlier, with the genitive forms reports use.
DISTRICTS = (
    "Rinkeby-Kista", "Spånga-Tensta", "Hässelby-Vällingby", "Bromma", "Kungsholmen",
    "Norra innerstaden", "Östermalm", "Södermalm", "Enskede-Årsta-Vantör", "Skarpnäck",
    "Farsta", "Älvsjö", "Hägersten-Älvsjö", "Hägersten-Liljeholmen", "Skärholmen",
    "Liljeholmen", "Hägersten", "Vantör", "Maria-Gamla stan", "Katarina-Sofia", "Kista",
    "Rinkeby", "Spånga", "Tensta", "Hässelby", "Vällingby", "Enskede", "Årsta",
)


def _genitive(name: str) -> str:
    if name.endswith("en"):
        return name + "s"  # "Norra innerstadens"
    if name[-1] in "sxz":
        return name
    if name[-1] in "aeiouyåäö":
        return name + "s"  # "Rinkeby-Kistas" in running text; "Rinkeby-Kista stadsdelsnämnd" too
    return name + "s"


_DISTRICT_PATTERNS = [
    (name, re.compile(rf"\b(?:{re.escape(_genitive(name))}|{re.escape(name)})\s+stadsdels(?:nämnd|förvaltning|område)", re.IGNORECASE))
    for name in sorted(DISTRICTS, key=len, reverse=True)
]

REPORT_TYPES = (
    (re.compile(r"\btertialrapport\s*(?P<n>[12])\b", re.IGNORECASE), "tertialrapport"),
    (re.compile(r"\btertialbokslut\s*(?P<n>[12])\b", re.IGNORECASE), "tertialrapport"),
    (re.compile(r"\bverksamhetsberättelse\b", re.IGNORECASE), "verksamhetsberattelse"),
    (re.compile(r"\bdelårsrapport\b", re.IGNORECASE), "delarsrapport"),
    (re.compile(r"\bårsrapport\b", re.IGNORECASE), "arsrapport"),
    (re.compile(r"\bverksamhetsplan\b", re.IGNORECASE), "verksamhetsplan"),
)
YEAR = re.compile(r"\b(19[89]\d|20[0-4]\d)\b")


@dataclass
class ReportMetadata:
    district: str | None = None
    year: int | None = None
    report_type: str | None = None
    period: str | None = None
    title: str | None = None

    def fields(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in ("district", "year", "report_type", "period", "title")}


def _title_match(text: str) -> tuple[str, str | None, int | None, re.Match[str]] | None:
    """Report type, period and year from a title such as "Tertialrapport 1 2025"."""
    for pattern, kind in REPORT_TYPES:
        match = pattern.search(text)
        if not match:
            continue
        after = text[match.end(): match.end() + 25]
        year_match = YEAR.search(after)
        period = None
        if kind == "tertialrapport":
            period = f"T{match['n']}"
        elif kind in ("verksamhetsberattelse", "arsrapport"):
            period = "helår"
        year = int(year_match.group(1)) if year_match else None
        return kind, period, year, match
    return None


def detect_metadata(front_lines: Iterable[str], running_titles: Iterable[str] = ()) -> tuple[ReportMetadata, dict[str, str]]:
    """Metadata from a report's first lines (title page and the start of the text).

    Only a title that names type and year together ("Tertialrapport 1 2025") sets type,
    period and year; a district counts when written as "<district>s stadsdelsnämnd".
    """
    meta = ReportMetadata()
    source: dict[str, str] = {}
    lines = [" ".join(line.split()) for line in front_lines if line.strip()]
    candidates = list(running_titles) + lines
    for text in candidates:
        found = _title_match(text)
        if found and found[2] is not None:
            kind, period, year, match = found
            meta.report_type, meta.period, meta.year = kind, period, year
            source.update(report_type="title", period="title", year="title")
            if match.start() == 0 and len(text) <= 80:
                meta.title = text  # a title line ("Tertialrapport 1 2025"), not a sentence naming it
                source["title"] = "title"
            break
    for text in candidates:
        for name, pattern in _DISTRICT_PATTERNS:
            if pattern.search(text):
                meta.district = name
                source["district"] = "title"
                break
        if meta.district:
            break
    return meta, source


def _norm_key(name: str) -> str:
    return unicodedata.normalize("NFC", Path(name).name).casefold()


class Manifest:
    """A corpus manifest (CSV with at least ``file``; optionally district, year,
    report_type, period, title) whose values override detected metadata."""

    COLUMNS = ("district", "year", "report_type", "period", "title")

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
