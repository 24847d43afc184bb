"""The fast PDF line reader gives exactly the lines of the character-by-character rules.

``page_lines`` builds a page's physical lines with array operations; ``sequential_lines``
reads one character at a time and defines the result. They are compared on generated
report PDFs and on a page drawn to hit every rule: table cells, word gaps drawn without
a space, superscripts and lines on several baselines without a line break, bold words,
no-break spaces, tabs and PDFium's soft-hyphen marks.
"""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest

from nlp.ingest.pdf_lines import page_lines, read_page_chars, sequential_lines

ROOT = Path(__file__).resolve().parents[1]


def _lines_as_tuples(lines: list) -> list[tuple]:
    return [(line.page, line.baseline, line.top, line.size, line.bold,
             [(s.text, s.x0, s.x1) for s in line.segments]) for line in lines]


@pytest.fixture(scope="module")
def tricky_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path_factory.mktemp("tricky") / "tricky.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setFont("Helvetica", 10)
    pdf.drawString(72, 760, "Verksamhetens resultat\u00a0och\tanalys för tertial 1")
    # a table row drawn cell by cell on one baseline
    for x, cell in ((72, "Indikator"), (260, "Utfall"), (360, "Årsmål"), (460, "Prognos")):
        pdf.drawString(x, 730, cell)
    # words placed without space characters: word gaps from geometry alone
    x = 72
    for word in ("Nämnden", "har", "beslutat", "om", "insatser"):
        pdf.drawString(x, 700, word)
        x += pdf.stringWidth(word, "Helvetica", 10) + 3.5
    # a bold word inside a sentence, and a superscript footnote mark
    text = pdf.beginText(72, 670)
    text.setFont("Helvetica", 10)
    text.textOut("Andelen ")
    text.setFont("Helvetica-Bold", 10)
    text.textOut("brukare")
    text.setFont("Helvetica", 10)
    text.textOut(" som är nöjda ökar")
    text.setRise(5)
    text.setFont("Helvetica", 6)
    text.textOut("1")
    text.setRise(0)
    text.setFont("Helvetica", 10)
    text.textOut(" enligt enkäten.")
    pdf.drawText(text)
    # a hyphenated line end and its continuation
    pdf.drawString(72, 640, "Arbetet med trygghets-")
    pdf.drawString(72, 628, "vandringar fortsätter under året.")
    # two columns at different heights drawn in one text object: no line break between them
    text = pdf.beginText(72, 600)
    text.setFont("Helvetica", 10)
    text.textOut("Vänster spalt")
    text.moveCursor(250, -14)
    text.textOut("Höger spalt lägre")
    pdf.drawText(text)
    # letters spread by character spacing, with no space characters: a word gap after each
    text = pdf.beginText(72, 580)
    text.setFont("Helvetica", 10)
    text.setCharSpace(1.6)
    text.textOut("glest")
    pdf.drawText(text)
    pdf.setFont("Helvetica-Bold", 14)
    pdf.drawString(72, 560, "KF:s inriktningsmål: 1 En stad som är hållbar")
    pdf.showPage()
    pdf.save()
    return path


def _pages(path: Path):
    pdf = pdfium.PdfDocument(str(path))
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            textpage = page.get_textpage()
            try:
                yield index + 1, textpage
            finally:
                textpage.close()
                page.close()
    finally:
        pdf.close()


def test_fast_lines_equal_sequential_rules_on_a_tricky_page(tricky_pdf: Path) -> None:
    for page_no, textpage in _pages(tricky_pdf):
        chars = read_page_chars(textpage, page_no)
        fast = _lines_as_tuples(page_lines(chars))
        assert fast == _lines_as_tuples(sequential_lines(chars))
        texts = [" | ".join(segment[0] for segment in line[5]) for line in fast]
        assert "Indikator | Utfall | Årsmål | Prognos" in texts
        assert "Nämnden har beslutat om insatser" in texts
        assert any(text.startswith("Andelen brukare som är nöjda ökar") for text in texts)
        assert "Vänster spalt" in texts and "Höger spalt lägre" in texts  # two baselines: two lines
        # PDFium joins the hyphenated line end to the next line; the baseline splits them
        assert "Arbetet med trygghets-" in texts and "vandringar fortsätter under året." in texts
        assert "g l e s t" in texts and " " not in "".join(map(chr, chars.codes.tolist())).split("\r\n")[-2]
        heading = next(line for line in fast if line[5][0][0].startswith("KF:s"))
        assert heading[4] is True and heading[3] == 14.0
        body = next(line for line in fast if line[5][0][0].startswith("Nämnden"))
        assert body[4] is False and body[3] == 10.0


def test_fast_lines_equal_sequential_rules_on_generated_reports(tmp_path: Path) -> None:
    from evaluation.common import generate_pdfs

    material = generate_pdfs.load_material(ROOT / "corpora")
    path = tmp_path / "report.pdf"
    generate_pdfs.build_pdf(path, 13, 10, material)  # a dev seed, not an evaluation seed
    pages = 0
    for page_no, textpage in _pages(path):
        chars = read_page_chars(textpage, page_no)
        assert _lines_as_tuples(page_lines(chars)) == _lines_as_tuples(sequential_lines(chars)), page_no
        pages += 1
    assert pages >= 10


def test_page_text_in_one_call_has_the_codes_of_each_character(tmp_path: Path) -> None:
    """``FPDFText_GetText`` reports the soft-hyphen mark U+0002 as U+FFFE; the reader
    must give every character the code ``FPDFText_GetUnicode`` gives it."""
    from evaluation.common import generate_pdfs

    material = generate_pdfs.load_material(ROOT / "corpora")
    path = tmp_path / "report.pdf"
    generate_pdfs.build_pdf(path, 14, 6, material)
    marks = 0
    for page_no, textpage in _pages(path):
        chars = read_page_chars(textpage, page_no)
        count = pdfium_c.FPDFText_CountChars(textpage.raw)
        assert chars.codes.tolist() == [pdfium_c.FPDFText_GetUnicode(textpage.raw, i) for i in range(count)]
        marks += int((chars.codes == 0x02).sum())
    assert marks > 0  # the generated report hyphenates words at line ends


def _document_lines(path: Path) -> list[tuple]:
    from nlp.ingest.pdf import read_pdf

    lines, facts = read_pdf(path, path.read_bytes())
    return [(line.page, line.text, line.size, line.bold, line.fill, line.cells) for line in lines] + [facts["pages"]]


@pytest.fixture(scope="module")
def report_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from evaluation.common import generate_pdfs

    path = tmp_path_factory.mktemp("report") / "report.pdf"
    generate_pdfs.build_pdf(path, 15, 12, generate_pdfs.load_material(ROOT / "corpora"))
    return path


def test_pages_read_in_two_processes_give_the_lines_of_one(report_pdf: Path, monkeypatch: pytest.MonkeyPatch,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    import logging

    import nlp.ingest.pdf as pdf_module

    monkeypatch.setenv("RAPPORT_INGEST_WORKERS", "1")
    serial = _document_lines(report_pdf)
    monkeypatch.setattr(pdf_module, "PARALLEL_MIN_PAGES", 4)  # the 12-page report counts as long
    monkeypatch.setattr(pdf_module, "CHUNK_PAGES", 2)
    monkeypatch.setenv("RAPPORT_INGEST_WORKERS", "2")
    assert pdf_module.reading_workers(12) == 2
    calls: list = []
    monkeypatch.setattr(pdf_module, "ProcessPoolExecutor", _Recording(pdf_module.ProcessPoolExecutor, calls))
    with caplog.at_level(logging.DEBUG, logger="nlp.ingest.pdf"):
        assert _document_lines(report_pdf) == serial
    assert calls == [1], "the pages were not read in a second process"
    assert not [r for r in caplog.records if "one process" in r.getMessage()]  # no fallback


class _Recording:
    def __init__(self, executor: type, calls: list) -> None:
        self.executor, self.calls = executor, calls

    def __call__(self, *args: object, **kwargs: object) -> object:
        self.calls.append(kwargs.get("max_workers"))
        return self.executor(*args, **kwargs)


def test_reading_falls_back_to_one_process_when_none_can_start(report_pdf: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import nlp.ingest.pdf as pdf_module

    monkeypatch.setenv("RAPPORT_INGEST_WORKERS", "1")
    serial = _document_lines(report_pdf)
    monkeypatch.setattr(pdf_module, "PARALLEL_MIN_PAGES", 4)
    monkeypatch.setenv("RAPPORT_INGEST_WORKERS", "2")

    def no_processes(*args: object, **kwargs: object) -> None:
        raise OSError("no processes in this sandbox")

    monkeypatch.setattr(pdf_module, "ProcessPoolExecutor", no_processes)
    assert _document_lines(report_pdf) == serial  # read in this process, nothing lost


def test_reading_workers_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from nlp.errors import InputError
    from nlp.ingest.pdf import PARALLEL_MIN_PAGES, reading_workers

    monkeypatch.setenv("RAPPORT_INGEST_WORKERS", "auto")
    assert reading_workers(6) == 1  # a short report: one process
    assert 1 <= reading_workers(500) <= 2
    monkeypatch.setenv("RAPPORT_INGEST_WORKERS", "1")
    assert reading_workers(500) == 1
    monkeypatch.setenv("RAPPORT_INGEST_WORKERS", "4")
    assert reading_workers(PARALLEL_MIN_PAGES) == 2 and reading_workers(1000) == 4
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:  # a thread pool (a web server, Dask) reads reports side by side
        assert pool.submit(reading_workers, 1000).result() == 1
    monkeypatch.setenv("RAPPORT_INGEST_WORKERS", "många")
    with pytest.raises(InputError, match="RAPPORT_INGEST_WORKERS"):
        reading_workers(500)
