"""OCR for PDF pages without a text layer: Tesseract (Swedish) word boxes as raw lines.

A scanned page is rendered with PDFium and read by Tesseract through ``pytesseract``
(``image_to_data``: words with boxes and confidences). The words become the same raw lines,
in PDF points, that the born-digital path builds from characters, so furniture removal,
headings, lists, tables and paragraphs come from the same geometry rules. Tesseract gives
no font names: the size is estimated from the word boxes and boldness is unknown.
"""

from __future__ import annotations

import os
import re
import statistics
import sys
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterator

from ..errors import InputError

OCR_DPI = 300  # Tesseract's recommended resolution; 200 dpi loses diacritics on 9 pt text
LANGUAGE = "swe"
INSTALL = "install it with: sudo apt-get install tesseract-ocr tesseract-ocr-swe"
# The box of a word with ascenders or descenders is about this share of the font size.
BOX_TO_SIZE = 0.95
SWEDISH_WORDS = frozenset("och att som för med är det på av till en ett har inte de om kan under den ska "
                          "vi sig också från genom samt efter inom".split())


def check_tesseract(path: Path) -> None:
    """A clear message when Tesseract or its Swedish data is missing."""
    try:
        import pytesseract
    except ImportError:
        raise InputError(f"{path}: the PDF has no text layer and pytesseract is not installed "
                         "(pip install pytesseract); " + INSTALL) from None
    try:
        languages = pytesseract.get_languages(config="")
    except (pytesseract.TesseractNotFoundError, FileNotFoundError, OSError):
        raise InputError(f"{path}: the PDF has no text layer and Tesseract is not installed; {INSTALL}") from None
    if LANGUAGE not in languages:
        raise InputError(f"{path}: the PDF has no text layer and Tesseract has no Swedish language data; "
                         "install it with: sudo apt-get install tesseract-ocr-swe")


def ocr_jobs() -> int:
    """Pages OCR'd at once: ``RAPPORT_OCR_JOBS`` (default 2, at most the number of cores)."""
    value = os.environ.get("RAPPORT_OCR_JOBS", "").strip()
    if value:
        try:
            jobs = int(value)
        except ValueError:
            raise InputError(f"RAPPORT_OCR_JOBS must be a whole number of parallel pages, not {value!r}.") from None
        return max(1, jobs)
    return max(1, min(2, os.cpu_count() or 1))


def ocr_pages_parallel(pdf: Any, page_numbers: list[int], jobs: int | None = None,
                       dpi: int = OCR_DPI) -> Iterator[tuple[int, tuple[list[Any], list[float], list[str]]]]:
    """(page number, OCR result) in page order, ``jobs`` pages at a time.

    Tesseract runs one thread per page (``OMP_THREAD_LIMIT=1`` unless set): its OpenMP
    threads cost more than they give, and whole pages in parallel use the cores fully.
    PDFium is not thread-safe, so pages are rendered here, in the calling thread."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    jobs = jobs or ocr_jobs()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        pending: list[tuple[int, Future]] = []
        for n in page_numbers:
            page = pdf[n - 1]
            try:
                image = page.render(scale=dpi / 72, grayscale=True).to_pil()
                height_pt = page.get_height()
            finally:
                page.close()
            pending.append((n, pool.submit(ocr_image, image, n, height_pt, dpi)))
            while len(pending) > jobs:  # bounded memory: at most jobs + 1 rendered pages
                done_n, future = pending.pop(0)
                yield done_n, future.result()
        for done_n, future in pending:
            yield done_n, future.result()


def ocr_page(page: Any, page_no: int, dpi: int = OCR_DPI) -> tuple[list[Any], list[float], list[str]]:
    """Raw lines of one PDFium page, with the words' confidences and texts."""
    image = page.render(scale=dpi / 72, grayscale=True).to_pil()
    return ocr_image(image, page_no, page.get_height(), dpi)


def ocr_image(image: Any, page_no: int, height_pt: float, dpi: int = OCR_DPI) -> tuple[list[Any], list[float], list[str]]:
    """Raw lines of one page image (``dpi`` pixels an inch), with the words' confidences and texts."""
    import pytesseract

    from .pdf import _RawLine, _Segment

    data = pytesseract.image_to_data(image, lang=LANGUAGE, config="--psm 3", output_type=pytesseract.Output.DICT)
    scale = 72 / dpi
    lines: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    confidences: list[float] = []
    words: list[str] = []
    for i, text in enumerate(data["text"]):
        conf = float(data["conf"][i])
        if not text.strip() or conf < 0:
            continue
        lines[(data["block_num"][i], data["par_num"][i], data["line_num"][i])].append(i)
        confidences.append(conf)
        words.append(text)
    raw_lines = []
    for members in lines.values():
        members.sort(key=lambda i: data["left"][i])
        heights = [data["height"][i] * scale for i in members]
        size = round(statistics.median(heights) / BOX_TO_SIZE * 2) / 2  # to 0.5 pt: one style, one size
        bottoms = [(data["top"][i] + data["height"][i]) * scale for i in members]
        baseline = height_pt - statistics.median(bottoms)
        line = _RawLine(page=page_no, baseline=baseline, top=baseline + size, size=size, bold=False)
        x0 = x1 = None
        parts: list[str] = []
        for i in members:
            left, right = data["left"][i] * scale, (data["left"][i] + data["width"][i]) * scale
            if x1 is not None and left - x1 > size:  # a gap wider than the font size: a new cell
                line.segments.append(_Segment(" ".join(parts), x0, x1))
                parts, x0 = [], None
            x0 = left if x0 is None else x0
            x1 = right
            parts.append(data["text"][i].strip())
        if parts:
            line.segments.append(_Segment(" ".join(parts), x0, x1))
        raw_lines.append(line)
    return raw_lines, confidences, words


def check_swedish(path: Path, confidences: list[float], words: list[str]) -> None:
    """Refuse a scan whose text is not Swedish rather than return garbage."""
    if not words:
        raise InputError(f"{path}: the PDF has no text layer and OCR found no text on its pages.")
    lowered = [re.sub(r"\W", "", w).casefold() for w in words]
    share = sum(w in SWEDISH_WORDS for w in lowered) / len(lowered)
    mean_conf = statistics.fmean(confidences) if confidences else 0.0
    if len(lowered) >= 30 and (share < 0.03 or mean_conf < 40):
        raise InputError(f"{path}: the scanned pages do not read as Swedish text (mean OCR confidence "
                         f"{mean_conf:.0f}, Swedish function words {share:.0%}); rapport reads Swedish reports.")


class OcrProgress:
    """One status line per OCR'd page on standard error."""

    def __init__(self, path: Path, total: int) -> None:
        self.path, self.total, self.count = path, total, 0
        self.tty = sys.stderr.isatty()

    def step(self, page_no: int) -> None:
        self.count += 1
        message = f"OCR {self.path.name}: page {page_no} ({self.count}/{self.total})"
        sys.stderr.write(f"\r\x1b[K{message}" if self.tty else message + "\n")
        sys.stderr.flush()

    def done(self) -> None:
        if self.tty:
            sys.stderr.write("\r\x1b[K")
