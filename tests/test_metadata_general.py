"""Metadata of any Swedish municipal report (issue 17): municipality, organisation, report
types beyond Stockholm's, periods; tables of contents kept out of the passages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp.ingest import load_document
from nlp.ingest.metadata import detect_metadata, load_vocabulary, parse_period
from nlp.model import SCHEMA_VERSION, BlockType, Document

ROOT = Path(__file__).resolve().parents[1]

BODY = [
    ("Uppdrag", [
        "Kultur- och fritidsnämnden ansvarar för kommunens kulturverksamhet, bibliotek, fritidsgårdar och "
        "föreningsbidrag. Nämnden ska verka för ett rikt kulturliv som är tillgängligt för alla invånare.",
        "Under året har nämnden särskilt arbetat med barns och ungas fritid, med utökade öppettider på "
        "fritidsgårdarna och med kvälls- och nattidrott i samarbete med föreningslivet.",
    ]),
    ("Ekonomiskt resultat", [
        "Nämnden redovisar ett överskott om 2,4 miljoner kronor för året. Överskottet beror främst på "
        "vakanta tjänster och lägre kostnader för lokaler än budgeterat.",
    ]),
    ("Verksamhetens resultat", [
        "Biblioteken hade fler besökare än föregående år och utlåningen av barnböcker ökade. "
        "Fritidsgårdarna nådde fler unga, särskilt flickor, genom riktade aktiviteter.",
    ]),
]


def _uppsala_pdf(path: Path) -> Path:
    """A culture and leisure committee's annual accounts as another municipality writes
    them: title page, a page of facts, a table of contents, then the body."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    width, height = A4
    c.setFont("Helvetica-Bold", 26)
    c.drawString(72, height - 250, "Årsbokslut 2025")
    c.setFont("Helvetica", 14)
    c.drawString(72, height - 285, "Kultur- och fritidsnämnden")
    c.drawString(72, height - 305, "Uppsala kommun")
    c.showPage()
    c.setFont("Helvetica", 11)
    c.drawString(72, height - 90, "Rapportperiod: 2025-12-31")
    c.drawString(72, height - 108, "Organisation: Kultur- och fritidsnämnden")
    c.drawString(72, height - 126, "Diarienummer: KFN-2026-0012")
    c.showPage()
    c.setFont("Helvetica-Bold", 18)
    c.drawString(72, height - 90, "Innehåll")
    c.setFont("Helvetica", 11)
    y = height - 130
    for number, (title, _) in enumerate(BODY, start=3):
        c.drawString(72, y, title)
        c.drawRightString(width - 72, y, f"{'.' * 70} {number}")
        y -= 20
    c.showPage()
    for title, paragraphs in BODY:
        y = height - 90
        c.setFont("Helvetica-Bold", 16)
        c.drawString(72, y, title)
        y -= 30
        c.setFont("Helvetica", 11)
        for paragraph in paragraphs:
            words = paragraph.split()
            line = ""
            for word in words:
                if c.stringWidth(f"{line} {word}".strip(), "Helvetica", 11) > width - 144:
                    c.drawString(72, y, line)
                    y -= 15
                    line = word
                else:
                    line = f"{line} {word}".strip()
            c.drawString(72, y, line)
            y -= 26
        c.showPage()
    c.save()
    return path


@pytest.fixture(scope="module")
def uppsala(tmp_path_factory: pytest.TempPathFactory) -> Document:
    path = _uppsala_pdf(tmp_path_factory.mktemp("uppsala") / "uppsala_kfn_arsbokslut_2025.pdf")
    return load_document(path, use_manifest=False)


def test_uppsala_annual_accounts_metadata(uppsala: Document) -> None:
    assert uppsala.year == 2025
    assert uppsala.report_type == "arsbokslut"
    assert uppsala.organisation == "Kultur- och fritidsnämnden"
    assert uppsala.municipality == "Uppsala"
    assert uppsala.period == "2025-12-31"  # the stated period beats the type's "helår"
    assert uppsala.district is None
    info = uppsala.info()
    assert info["municipality"] == "Uppsala" and info["organisation"] == "Kultur- och fritidsnämnden"
    assert {"district", "year", "report_type", "period", "title", "pages", "blocks", "paragraphs"} <= info.keys()


def test_uppsala_body_sections_and_passages(uppsala: Document) -> None:
    headings = [b.text for b in uppsala.blocks if b.type is BlockType.HEADING]
    for title, _ in BODY:
        assert title in headings
    passages = [b.text for b in uppsala.passages]
    assert any(p.startswith("Nämnden redovisar ett överskott") for p in passages)
    # one labelled fact a line, not one paragraph of them
    assert "Rapportperiod: 2025-12-31" in passages and "Organisation: Kultur- och fritidsnämnden" in passages
    # the table of contents is not prose
    assert not any("...." in p or p.startswith("Uppdrag") for p in passages)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["Delårsrapport per den 31 augusti 2025", "Socialnämnden", "Lunds kommun"],
         {"report_type": "delarsrapport", "year": 2025, "period": "2025-08-31", "organisation": "Socialnämnden",
          "municipality": "Lund"}),
        (["Månadsrapport februari 2026", "Kommunstyrelsen", "Malmö stad"],
         {"report_type": "manadsrapport", "year": 2026, "period": "2026-02", "organisation": "Kommunstyrelsen",
          "municipality": "Malmö"}),
        (["Årsredovisning 2024", "Falu kommun"],
         {"report_type": "arsredovisning", "year": 2024, "period": "helår", "organisation": None, "municipality": "Falun"}),
        (["Verksamhetsplan och budget 2026", "Utbildningsnämnden", "Period: januari–december 2026", "Kommun: Växjö"],
         {"report_type": "verksamhetsplan", "year": 2026, "period": "2026-01/2026-12", "organisation": "Utbildningsnämnden",
          "municipality": "Växjö"}),
        (["Budget 2026", "Kommunfullmäktige fastställer budgeten för Borås Stad."],
         {"report_type": "budget", "year": 2026, "period": None, "municipality": None}),
        (["Bokslut 2025", "Nämnd: Miljö- och hälsoskyddsnämnden"],
         {"report_type": "bokslut", "year": 2025, "period": "helår", "organisation": "Miljö- och hälsoskyddsnämnden"}),
        # unknown stays unknown: a budget named in a sentence, no year, no municipality
        (["Nämnden har hållit sin budget under året och samverkat med Solna stad."],
         {"report_type": None, "year": None, "period": None, "organisation": None, "municipality": None}),
    ],
)
def test_detect_metadata_of_other_municipalities(lines: list[str], expected: dict[str, object]) -> None:
    meta, _ = detect_metadata(lines)
    for key, value in expected.items():
        assert getattr(meta, key) == value, key


@pytest.mark.parametrize(
    ("text", "year", "expected"),
    [
        ("2025-12-31", None, "2025-12-31"),
        ("januari–april 2025", None, "2025-01/2025-04"),
        ("januari - augusti 2025", None, "2025-01/2025-08"),
        ("2025-01-01 – 2025-04-30", None, "2025-01-01/2025-04-30"),
        ("per den 31 augusti", 2025, "2025-08-31"),
        ("per den 31 augusti", None, None),  # no year: not guessed
        ("T2", None, "T2"),
        ("Tertial 1", None, "T1"),
        ("Helår", None, "helår"),
        ("enligt plan", None, None),
    ],
)
def test_parse_period(text: str, year: int | None, expected: str | None) -> None:
    assert parse_period(text, year) == expected


def test_vocabulary_is_data() -> None:
    vocabulary = load_vocabulary()
    assert len(vocabulary.municipalities) == len(set(vocabulary.municipalities)) == 290
    assert "Södermalm" in vocabulary.districts
    assert {t.value for t in vocabulary.report_types} >= {
        "tertialrapport", "verksamhetsberattelse", "delarsrapport", "arsrapport", "verksamhetsplan", "arsbokslut",
        "bokslut", "arsredovisning", "budget", "manadsrapport",
    }


# What the corpus reports gave before issue 17 (with and without corpora/manifest.csv):
# the old fields must not change.
CORPUS_BEFORE = {
    ("norra-innerstaden_2025_tertialrapport-1.txt", True): ("Norra innerstaden", 2025, "tertialrapport", "T1", None),
    ("norra-innerstaden_2025_tertialrapport-1.txt", False): ("Norra innerstaden", 2025, "tertialrapport", "T1", None),
    ("sodermalm_2020_tertialrapport-1.txt", True): ("Södermalm", 2020, "tertialrapport", "T1", None),
    ("sodermalm_2020_tertialrapport-1.txt", False): (None, None, None, None, None),
}


@pytest.mark.parametrize(("name", "manifest"), sorted(CORPUS_BEFORE))
def test_corpus_metadata_unchanged(name: str, manifest: bool) -> None:
    doc = load_document(ROOT / "corpora" / name, use_manifest=manifest)
    assert (doc.district, doc.year, doc.report_type, doc.period, doc.title) == CORPUS_BEFORE[(name, manifest)]
    if doc.district:
        assert doc.municipality == "Stockholm"
    if name.startswith("norra"):
        assert doc.organisation == "Norra innerstadens stadsdelsnämnd"


def test_version_1_json_still_loads(uppsala: Document) -> None:
    data = uppsala.to_dict()
    assert data["schema_version"] == SCHEMA_VERSION == 3
    old = {k: v for k, v in data.items() if k not in ("municipality", "organisation")}
    old["schema_version"] = 1
    old["blocks"] = [b for b in old["blocks"] if b["type"] != "toc"]
    loaded = Document.from_json(json.dumps(old))
    assert loaded.municipality is None and loaded.organisation is None and loaded.year == 2025
    assert Document.from_json(uppsala.to_json()).to_dict() == data


def test_uppsala_toc_is_kept_as_toc(uppsala: Document) -> None:
    from nlp.cli import render_markdown

    toc = [b for b in uppsala.blocks if b.type is BlockType.TOC]
    assert len(toc) == 1 and toc[0].page == 3
    assert toc[0].rows == [["Uppdrag", "3"], ["Ekonomiskt resultat", "4"], ["Verksamhetens resultat", "5"]]
    assert all("Innehåll" not in b.section for b in uppsala.blocks)
    assert "- Ekonomiskt resultat … 4" in render_markdown(uppsala)


@pytest.mark.parametrize(
    ("lines", "municipality", "organisation"),
    [
        (["Årsbokslut 2025", "Kultur- och fritidsnämnden, Uppsala kommun"], "Uppsala", None),
        (["Årsbokslut 2025", "Förvaltningen samarbetar med Solna stad", "Stadsdelsnämnden"], None, None),
        (["Verksamhetsberättelse 2024", "i samverkan med Göteborgs Stad och"], None, None),
        (["Göteborgs Stad", "Idrotts- och föreningsnämnden", "Verksamhetsberättelse 2024"], "Göteborg",
         "Idrotts- och föreningsnämnden"),
    ],
)
def test_municipality_only_from_title_lines(lines: list[str], municipality: str | None, organisation: str | None) -> None:
    meta, _ = detect_metadata(lines)
    assert meta.municipality == municipality
    if organisation is not None or municipality is None:
        assert meta.organisation == organisation
