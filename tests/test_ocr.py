"""Scanned PDFs: pages without a text layer read with Tesseract (Swedish) into the same blocks."""

from __future__ import annotations

import difflib
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nlp.errors import InputError, ScannedPdfError
from nlp.ingest import load_document

from .conftest import SODERMALM

pytestmark = pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract is not installed (.ci/run installs it)")

HEADING = "Kompetensförsörjning och arbetsmiljö"
ENGLISH = ("The committee assesses that the goal will be met during the year because the number of visitors "
           "to the libraries has increased and the staff have completed the training programme. ") * 3


def corpus_paragraphs(count: int = 2) -> list[str]:
    """Real prose paragraphs of the Södermalm report (as rapport segments them)."""
    doc = load_document(SODERMALM)
    return [b.text for b in doc.blocks if b.type.value == "paragraph" and 300 < len(b.text) < 600][3:3 + count]


def born_digital(heading: str, paragraphs: list[str]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    buffer = io.BytesIO()
    body = ParagraphStyle("body", fontName="Helvetica", fontSize=11, leading=14, spaceAfter=10)
    title = ParagraphStyle("h", fontName="Helvetica-Bold", fontSize=16, leading=20, spaceAfter=12)
    SimpleDocTemplate(buffer, pagesize=A4).build([Paragraph(heading, title)] + [Paragraph(p, body) for p in paragraphs])
    return buffer.getvalue()


def rasterise(pdf_bytes: bytes, path: Path, dpi: int = 200) -> Path:
    """An image-only PDF, as a scanner makes: every page a 200 dpi picture, no text layer."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(pdf_bytes)
    images = [pdf[i].render(scale=dpi / 72, grayscale=True).to_pil() for i in range(len(pdf))]
    images[0].save(path, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return path


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.split(), b.split()).ratio()


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    paragraphs = corpus_paragraphs()
    path = rasterise(born_digital(HEADING, paragraphs), tmp_path_factory.mktemp("scan") / "skannad.pdf")
    return path, paragraphs


def test_scan_is_read_into_headings_and_paragraphs(scan: tuple[Path, list[str]]) -> None:
    path, paragraphs = scan
    doc = load_document(path)
    headings = [b.text for b in doc.blocks if b.type.value == "heading"]
    assert any(similarity(h, HEADING) >= 0.9 for h in headings)
    texts = [b.text for b in doc.passages]
    for paragraph in paragraphs:
        assert max(similarity(t, paragraph) for t in texts) >= 0.9
    assert any("OCR (Tesseract, swe): 1 of 1 pages" in w for w in doc.warnings)


def run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "nlp", *args], capture_output=True, text=True, env=env, timeout=300)


def test_cli_ocr_modes(scan: tuple[Path, list[str]]) -> None:
    path, _ = scan
    auto = run("segment", str(path), "--format", "text")
    assert auto.returncode == 0 and "OCR" in auto.stderr and "page 1" in auto.stderr  # progress and the note
    never = run("info", str(path), "--ocr", "never")
    assert never.returncode != 0 and "no text layer" in never.stderr and "Traceback" not in never.stderr
    with pytest.raises(ScannedPdfError):
        load_document(path, ocr="never")


def test_always_reads_a_born_digital_pdf_with_ocr_too(tmp_path: Path) -> None:
    path = tmp_path / "digital.pdf"
    paragraphs = corpus_paragraphs(1)
    path.write_bytes(born_digital(HEADING, paragraphs))
    doc = load_document(path, ocr="always")
    assert doc.warnings and max(similarity(b.text, paragraphs[0]) for b in doc.passages) >= 0.9
    assert not load_document(path).warnings  # auto leaves a text layer alone


def test_missing_tesseract_is_a_clear_message(scan: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch) -> None:
    import pytesseract

    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    with pytest.raises(InputError, match="apt-get install tesseract-ocr tesseract-ocr-swe"):
        load_document(scan[0])


def test_a_scan_in_another_language_is_refused(tmp_path: Path) -> None:
    path = rasterise(born_digital("Annual report", [ENGLISH, ENGLISH]), tmp_path / "english.pdf")
    with pytest.raises(InputError, match="do not read as Swedish"):
        load_document(path)


def same_size_heading_pdf(paragraphs: list[str], pages: int = 1) -> bytes:
    """Bold headings in the body's own size (10 pt): only the stroke width tells them apart."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    buffer = io.BytesIO()
    body = ParagraphStyle("body", fontName="Times-Roman", fontSize=10, leading=13, spaceAfter=8)
    bold = ParagraphStyle("h", fontName="Times-Bold", fontSize=10, leading=13, spaceBefore=6, spaceAfter=4)
    story = []
    for page in range(pages):
        story += [Paragraph(HEADING, bold)] + [Paragraph(p, body) for p in paragraphs]
        if page < pages - 1:
            story.append(PageBreak())
    SimpleDocTemplate(buffer, pagesize=A4).build(story)
    return buffer.getvalue()


def ocr_lines(path: Path) -> list:
    import pypdfium2 as pdfium

    from nlp.ingest.ocr import finish_lines, ocr_page

    pdf = pdfium.PdfDocument(path)
    pages = [ocr_page(pdf[i], i + 1)[0] for i in range(len(pdf))]
    finish_lines(pages)
    return [line for page in pages for line in page]


def test_bold_is_estimated_from_stroke_width(tmp_path: Path) -> None:
    paragraphs = corpus_paragraphs(2)
    path = rasterise(same_size_heading_pdf(paragraphs), tmp_path / "bold.pdf")
    lines = ocr_lines(path)
    heading = max(lines, key=lambda line: similarity(line.text, HEADING))
    body = [line for line in lines if line is not heading]
    assert similarity(heading.text, HEADING) >= 0.9 and heading.bold
    assert body and not any(line.bold for line in body)
    assert {line.size for line in lines} == {heading.size}  # one style size, bold or not
    doc = load_document(path)
    assert any(similarity(b.text, HEADING) >= 0.9 for b in doc.blocks if b.type.value == "heading")


def test_size_is_estimated_from_letter_heights(scan: tuple[Path, list[str]]) -> None:
    lines = ocr_lines(scan[0])
    heading = max(lines, key=lambda line: similarity(line.text, HEADING))
    body = [line.size for line in lines if line is not heading]
    assert 15 <= heading.size <= 17.5 and heading.bold  # 16 pt bold
    assert all(10 <= size <= 12 for size in body) and len(set(body)) == 1  # 11 pt, one size


def test_parallel_jobs_give_the_same_result_as_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = rasterise(same_size_heading_pdf(corpus_paragraphs(1), pages=3), tmp_path / "three.pdf")
    results = []
    for jobs in ("1", "2"):
        monkeypatch.setenv("RAPPORT_OCR_JOBS", jobs)
        doc = load_document(path, use_manifest=False)
        results.append([(b.type.value, b.page, b.text) for b in doc.blocks])
    assert results[0] == results[1] and len({page for _, page, _ in results[0]}) == 3
    monkeypatch.setenv("RAPPORT_OCR_JOBS", "many")
    with pytest.raises(InputError, match="RAPPORT_OCR_JOBS"):
        load_document(path, use_manifest=False)


def test_a_skewed_scan_is_straightened(scan: tuple[Path, list[str]], tmp_path: Path) -> None:
    import pypdfium2 as pdfium
    from PIL import Image

    from nlp.ingest.ocr import skew_angle

    path, paragraphs = scan
    image = pdfium.PdfDocument(path)[0].render(scale=200 / 72, grayscale=True).to_pil()
    assert abs(skew_angle(image)) < 0.15
    tilted = image.rotate(1.5, resample=Image.BICUBIC, fillcolor=255)
    assert abs(skew_angle(tilted) + 1.5) <= 0.15
    skewed = tmp_path / "sned.pdf"
    tilted.save(skewed, "PDF", resolution=200)
    doc = load_document(skewed)
    assert any(similarity(b.text, HEADING) >= 0.9 for b in doc.blocks if b.type.value == "heading")
    texts = [b.text for b in doc.passages]
    for paragraph in paragraphs:
        assert max(similarity(t, paragraph) for t in texts) >= 0.9


def test_bullets_are_read_as_bullets_not_letters(tmp_path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    items = ["Kaknäs lekplats är färdigställd.", "Förvaltningens klimatprestanda är god.",
             "Mat som serveras i verksamheterna är i hög grad ekologisk."]
    paragraphs = corpus_paragraphs(1)
    buffer = io.BytesIO()
    body = ParagraphStyle("body", fontName="Helvetica", fontSize=10, leading=13, spaceAfter=8)
    item = ParagraphStyle("item", parent=body, leftIndent=16, bulletIndent=4, spaceAfter=3)
    story = [Paragraph(paragraphs[0], body)] + [Paragraph(text, item, bulletText="•") for text in items]
    story.append(Paragraph(paragraphs[0], body))
    SimpleDocTemplate(buffer, pagesize=A4).build(story)
    doc = load_document(rasterise(buffer.getvalue(), tmp_path / "punkter.pdf"))
    listed = [b.text for b in doc.blocks if b.type.value == "list_item"]
    for text in items:
        assert any(similarity(t, text) >= 0.9 for t in listed), (text, listed)
