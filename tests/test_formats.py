"""Word and HTML reports: the same Document model and CLI contract as PDFs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import docx
import pytest

from evaluation.common.generate_pdfs import load_material
from evaluation.formats.scripts.generate_formats import CHROME, generate, plan, write_docx
from nlp.errors import InputError
from nlp.ingest import load_document
from nlp.reports import ReportLoader

from .conftest import CORPUS, ROOT, SODERMALM


@pytest.fixture(scope="module")
def material():
    return load_material(CORPUS)


@pytest.fixture(scope="module")
def generated(tmp_path_factory, material):
    out = tmp_path_factory.mktemp("formats")
    paths = generate(out, 7, material, pages=3)
    return {p.suffix: p for p in paths}


def _truth(path: Path) -> dict:
    return json.loads(Path(f"{path}.truth.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("suffix", [".docx", ".html"])
def test_generated_report_segments_like_its_truth(generated, suffix):
    path = generated[suffix]
    truth = _truth(path)
    doc = load_document(path, use_manifest=False)
    assert doc.source_format == suffix.lstrip(".")
    got = [(b.type.value, b.text, b.level if b.type.value == "heading" else None) for b in doc.blocks
           if b.type.value != "table"]
    want = [(b["type"], b["text"], b["level"]) for b in truth["blocks"] if b["type"] != "table"]
    if suffix == ".html":
        want = [("heading", truth["title"], 1)] + want  # the page's <h1>
    assert got == want
    assert [b.rows for b in doc.blocks if b.type.value == "table"] == \
        [b["rows"] for b in truth["blocks"] if b["type"] == "table"]
    assert not [b.text for b in doc.blocks if any(c in b.text for c in CHROME)]
    assert (doc.district, doc.year, doc.report_type, doc.title) == \
        (truth["district"], truth["year"], truth["report_type"], truth["title"])
    # goal headings keep the goal levels downstream goal extraction relies on
    goals = [b for b in doc.blocks if b.text.startswith("Nämndmål")]
    assert goals and all(b.level == 4 for b in goals)
    assert goals[0].section[0] == "Uppföljning av kommunfullmäktiges inriktningsmål"
    assert all(p.sentences for p in doc.passages)


def test_docx_pages_from_page_breaks_title_page_not_passages(generated):
    doc = load_document(generated[".docx"], use_manifest=False)
    assert doc.blocks[0].page == 2  # the title page is metadata only
    assert doc.pages and doc.pages > 2
    assert all("Dnr SDN" not in b.text for b in doc.blocks)


def test_docx_outline_levels_rubrik_styles_and_merged_cells(tmp_path):
    paragraphs = [p.strip() for p in SODERMALM.read_text(encoding="utf-8").split("\n") if len(p) > 60][:3]
    document = docx.Document()
    document.add_heading("Ekonomi", level=1)
    outline = document.add_paragraph("Nämndens budgetläge")
    ppr = outline._p.get_or_add_pPr()
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    level = OxmlElement("w:outlineLvl")
    level.set(qn("w:val"), "1")
    ppr.append(level)
    document.add_paragraph(paragraphs[0])
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).text, table.cell(0, 1).text = "Indikator", "Utfall"
    table.cell(0, 1).merge(table.cell(0, 2))
    table.cell(1, 0).text, table.cell(1, 1).text, table.cell(1, 2).text = "Sjukfrånvaro", "7 %", "8 %"
    document.add_paragraph(paragraphs[1], style="List Bullet")
    path = tmp_path / "liten.docx"
    document.save(str(path))
    doc = load_document(path, use_manifest=False)
    kinds = [(b.type.value, b.level) for b in doc.blocks]
    assert kinds == [("heading", 1), ("heading", 2), ("paragraph", None), ("table", None), ("list_item", None)]
    assert doc.blocks[3].rows == [["Indikator", "Utfall"], ["Sjukfrånvaro", "7 %", "8 %"]]
    assert doc.blocks[2].section == ["Ekonomi", "Nämndens budgetläge"]
    assert doc.blocks[0].page is None  # no page breaks: no page numbers invented


def test_html_divs_br_nested_lists_hidden_and_charset(tmp_path):
    text = [p.strip() for p in SODERMALM.read_text(encoding="utf-8").split("\n") if len(p) > 60][:3]
    page = f"""<html><head><meta charset="windows-1252"><title>Rapport</title></head><body>
<nav class="menu">Meny Start</nav><div class="content"><h2>Sammanfattande analys</h2>
<div>{text[0]}<br>{text[1]}</div><ul><li>Första punkten om förskolan<ul><li>Andra nivån om fritids</li></ul></li></ul>
<p style="display:none">Dold text som inte ska synas</p><p hidden>Också dold</p>
<h3>Nämndmål: 1.1.1 Barn och unga har en trygg uppväxt</h3><p>{text[2]}</p></div></body></html>"""
    path = tmp_path / "sida.htm"
    path.write_bytes(page.encode("cp1252"))
    doc = load_document(path, use_manifest=False)
    assert [(b.type.value, b.text, b.level) for b in doc.blocks] == [
        ("heading", "Sammanfattande analys", 1),
        ("paragraph", " ".join(f"{text[0]} {text[1]}".split()), None),
        ("list_item", "Första punkten om förskolan", None),
        ("list_item", "Andra nivån om fritids", None),
        ("heading", "Nämndmål: 1.1.1 Barn och unga har en trygg uppväxt", 4),
        ("paragraph", text[2], None),
    ]


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nlp", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_cli_segment_and_info(generated):
    result = _cli("segment", str(generated[".docx"]), "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    truth = _truth(generated[".docx"])
    assert [(r["type"], r["text"]) for r in records if r["type"] != "table"] == \
        [(b["type"], b["text"]) for b in truth["blocks"] if b["type"] != "table"]
    info = _cli("info", str(generated[".html"]))
    assert info.returncode == 0 and _truth(generated[".html"])["district"] in info.stdout


def test_folder_with_docx_html_and_txt(tmp_path, material):
    generate(tmp_path, 9, material, pages=2)
    (tmp_path / "t.txt").write_text(SODERMALM.read_text(encoding="utf-8"), encoding="utf-8")
    loader = ReportLoader([tmp_path])
    formats = sorted(d.source_format for d in loader)
    assert formats == ["docx", "html", "text"] and not loader.skipped


def _bad_inputs(tmp_path: Path, good_docx: Path) -> dict[str, tuple[Path, str]]:
    trunc = tmp_path / "avbruten.docx"
    trunc.write_bytes(good_docx.read_bytes()[:2000])
    old = tmp_path / "gammal.doc"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    locked = tmp_path / "last.docx"
    locked.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 600)
    chrome = tmp_path / "meny.html"
    chrome.write_text("<!doctype html><html><body><header><nav><a href='/'>Start</a><a>Kontakta oss</a></nav>"
                      "</header><div id='cookie-banner'><p>Vi använder kakor för att webbplatsen ska fungera."
                      "</p></div><footer><p>Stockholms stad, 105 35 Stockholm</p></footer></body></html>",
                      encoding="utf-8")
    empty = tmp_path / "tom.docx"
    empty.write_bytes(b"")
    return {"truncated": (trunc, "not a valid Word file"), "doc": (old, "save it as .docx"),
            "password": (locked, "password-protected"),
            "chrome": (chrome, "no report text found: the page has only navigation/site chrome"),
            "empty": (empty, "empty")}


def test_bad_inputs_clear_message_no_traceback(tmp_path, generated):
    for name, (path, message) in _bad_inputs(tmp_path, generated[".docx"]).items():
        with pytest.raises(InputError, match=message):
            load_document(path, use_manifest=False)
        if name in ("truncated", "chrome"):
            result = _cli("info", str(path))
            assert result.returncode != 0 and message in result.stderr and "Traceback" not in result.stderr


def test_sniffs_content_not_name(tmp_path, material):
    truth = plan(3, material, 2)
    path = tmp_path / "rapport.txt"
    write_docx(path, truth)
    assert load_document(path, use_manifest=False).source_format == "docx"


def test_html_xml_declaration_article_header_and_nested_tables(tmp_path):
    text = [p.strip() for p in SODERMALM.read_text(encoding="utf-8").split("\n") if len(p) > 60][:2]
    page = f"""<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE html><html><body><div class="with-menu"><a href="/">Meny</a></div><main><article>
<header><h1>Tertialrapport 1 2025</h1></header><p>{text[0]}<br><br>{text[1]}</p>
<table><tr><th>Indikator</th><th>Utfall</th></tr><tr><td>Sjukfrånvaro<table><tr><td>inre</td></tr></table></td>
<td>7 %</td></tr></table><footer><p>Dela sidan</p></footer></article></main></body></html>"""
    path = tmp_path / "sida.html"
    path.write_text(page, encoding="utf-8")
    doc = load_document(path, use_manifest=False)
    assert [(b.type.value, b.text) for b in doc.blocks if b.type.value != "table"] == [
        ("heading", "Tertialrapport 1 2025"), ("paragraph", text[0]), ("paragraph", text[1])]
    assert [b.rows for b in doc.blocks if b.type.value == "table"] == [[["Indikator", "Utfall"],
                                                                         ["Sjukfrånvaro inre", "7 %"]]]
    assert (doc.report_type, doc.year) == ("tertialrapport", 2025)


def test_docx_table_of_contents_is_not_report_text(tmp_path):
    document = docx.Document()
    document.add_paragraph("Innehållsförteckning", style="TOC Heading")
    document.add_heading("Ekonomi", level=1)
    document.add_paragraph("Nämnden redovisar ett överskott på två miljoner kronor efter första tertialet.")
    path = tmp_path / "toc.docx"
    document.save(str(path))
    assert [b.text for b in load_document(path, use_manifest=False).blocks] == [
        "Ekonomi", "Nämnden redovisar ett överskott på två miljoner kronor efter första tertialet."]


def test_docx_prose_first_page_is_kept_and_typed_bullets_are_list_items(tmp_path):
    from docx.enum.text import WD_BREAK

    prose = [p.strip() for p in SODERMALM.read_text(encoding="utf-8").split("\n") if len(p) > 60]
    long_paragraph = " ".join(prose[:4])
    document = docx.Document()
    document.add_paragraph(long_paragraph).add_run().add_break(WD_BREAK.PAGE)
    document.add_paragraph("• Fler trygghetsvandringar har genomförts i området.")
    path = tmp_path / "brev.docx"
    document.save(str(path))
    blocks = load_document(path, use_manifest=False).blocks
    assert [(b.type.value, b.text, b.page) for b in blocks] == [
        ("paragraph", " ".join(long_paragraph.split()), 1),
        ("list_item", "Fler trygghetsvandringar har genomförts i området.", 2)]


def test_rapport_output_pages_in_a_folder_are_not_reports(tmp_path, material):
    from nlp.charts import html_page, html_table

    generate(tmp_path, 5, material, pages=2)
    (tmp_path / "teman.html").write_text(html_page("Teman", html_table(["Tema", "Andel"], [["Trygghet", "12 %"]])),
                                         encoding="utf-8")
    loader = ReportLoader([tmp_path], stream=__import__("io").StringIO())
    assert sorted(d.source_format for d in loader) == ["docx", "html"]
    assert [s.path.name for s in loader.skipped] == ["teman.html"]
    assert "rapport wrote" in loader.skipped[0].reason


def test_html_empty_main_falls_back_to_the_text_container(tmp_path):
    text = [p.strip() for p in SODERMALM.read_text(encoding="utf-8").split("\n") if len(p) > 60][:2]
    page = (f"<html><body><main id='app'><p>Laddar…</p></main><div class='cms'><h2>Ekonomi</h2><p>{text[0]}</p>"
            f"<p>{text[1]}</p></div><div class='sidebar'><p>Relaterade sidor</p></div></body></html>")
    path = tmp_path / "cms.html"
    path.write_text(page, encoding="utf-8")
    assert [b.text for b in load_document(path, use_manifest=False).blocks] == ["Ekonomi", text[0], text[1]]


def test_docx_pages_from_word_rendered_page_breaks(tmp_path):
    from docx.oxml import OxmlElement

    prose = [p.strip() for p in SODERMALM.read_text(encoding="utf-8").split("\n") if len(p) > 60][:3]
    document = docx.Document()
    document.add_heading("Ekonomi", level=1)
    for text in prose:
        document.add_paragraph(text)
    # Word marks where its layout broke the pages: the second paragraph starts page 2
    run = document.paragraphs[2].runs[0]
    run._r.insert(0, OxmlElement("w:lastRenderedPageBreak"))
    path = tmp_path / "sparad.docx"
    document.save(str(path))
    doc = load_document(path, use_manifest=False)
    assert [b.page for b in doc.blocks] == [1, 1, 2, 2] and doc.pages == 2
