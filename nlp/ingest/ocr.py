"""OCR for PDF pages without a text layer: Tesseract (Swedish) word boxes as raw lines.

A scanned page is rendered with PDFium and read by Tesseract through ``pytesseract``
(``image_to_data``: words with boxes and confidences). The words become the same raw lines,
in PDF points, that the born-digital path builds from characters, so furniture removal,
headings, lists, tables and paragraphs come from the same geometry rules. Tesseract gives
no font names: the size is estimated from the letter heights in the word boxes and bold
from the stroke width in the page image, both relative to the document's body text.
Pages are straightened first and OCR'd ``RAPPORT_OCR_JOBS`` at a time.
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

    from .pdf_lines import _RawLine, _Segment

    image = deskew(image)
    image.format = "PPM"  # pytesseract hands the image over as a file: uncompressed is 0.3 s a page faster than PNG
    data = pytesseract.image_to_data(image, lang=LANGUAGE, config="--psm 3", output_type=pytesseract.Output.DICT)
    ink = _ink(image)
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
        boxes = [(data["text"][i].strip(), data["left"][i], data["top"][i], data["width"][i], data["height"][i],
                  float(data["conf"][i])) for i in members]
        size_px, baseline_px = _line_metrics(boxes)
        size = size_px * scale
        if not _is_text_line(boxes, size_px):
            continue
        if len(boxes) > 1 and _is_bullet(ink, boxes[0], size_px, baseline_px):
            boxes[0] = ("•",) + boxes[0][1:]  # Tesseract reads a bullet as "e", "«", "°", ...
        baseline = height_pt - baseline_px * scale
        line = _RawLine(page=page_no, baseline=baseline, top=baseline + size, size=size, bold=False)
        line.ocr_words = [(len(text), _stroke(ink, left, top, width, height) / size_px)
                          for text, left, top, width, height, _ in boxes]
        x0 = x1 = None
        parts: list[str] = []
        for text, left_px, _, width_px, _, _ in boxes:
            left, right = left_px * scale, (left_px + width_px) * scale
            if x1 is not None and left - x1 > size:  # a gap wider than the font size: a new cell
                line.segments.append(_Segment(" ".join(parts), x0, x1))
                parts, x0 = [], None
            x0 = left if x0 is None else x0
            x1 = right
            parts.append(text)
        if parts:
            line.segments.append(_Segment(" ".join(parts), x0, x1))
        raw_lines.append(line)
    return raw_lines, confidences, words


MAX_SKEW = 5.0  # degrees searched either way
MIN_SKEW = 0.15  # below this a page is left as it is (the word boxes barely grow)


def skew_angle(image: Any) -> float:
    """The angle (degrees, counter-clockwise) that makes a page's text lines horizontal.

    A projection profile: rotated the right way, the rows of a text page alternate between
    ink (a line) and paper, so the row sums are most uneven. Searched on an ink
    mask about 600 pixels wide, coarse then fine, in a few tens of milliseconds."""
    import numpy as np
    from PIL import Image

    grey = image.convert("L")
    small = grey.reduce(max(1, round(grey.width / 600)))
    mask = Image.fromarray(_ink(small).astype(np.uint8) * 255)  # ink white on black

    def score(angle: float) -> float:
        rows = np.asarray(mask.rotate(angle, resample=Image.BILINEAR, fillcolor=0), dtype=np.float64).sum(axis=1)
        return float(np.square(np.diff(rows)).sum())

    best = max(np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, 0.5), key=score)
    best = max(best + np.arange(-0.3, 0.3 + 1e-9, 0.1), key=score)
    return round(float(max(best + np.array([-0.05, 0.0, 0.05]), key=score)), 2)


def deskew(image: Any) -> Any:
    """The page turned so its text lines are horizontal (word boxes of a skewed line are
    taller than the letters, which would inflate the size estimates, and lines merge)."""
    from PIL import Image

    angle = skew_angle(image)
    if abs(angle) < MIN_SKEW:
        return image
    return image.convert("L").rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)


# Letters by how they sit on the line: x-height only, reaching the cap/ascender line, and
# going below the baseline. Å, Ä, Ö, i, j, t and punctuation are left out of the estimates
# (their tops vary between fonts).
X_ONLY = frozenset("acemnorsuvwxz")
ASCENDING = frozenset("bdfhklABCDEFGHIKLMNOPRSTUVWXYZ0123456789")
DESCENDING = frozenset("gjpqyQ,;()[]{}")
ABOVE_CAPS = frozenset("åÅÄÖÉÜ")  # a ring or capital's dots reach above the cap height
# The cap/ascender height and the x-height as shares of the font size (between Helvetica
# and Times; fonts of one document share them, so sizes stay comparable within a report).
CAP_SHARE = 0.72
X_SHARE = 0.49
FULL_SHARE = 0.92  # ascender top to descender bottom


def _line_metrics(boxes: list[tuple[str, int, int, int, int, float]]) -> tuple[float, float]:
    """Font size and baseline (pixels) of one line from its word boxes.

    Words are sorted by the letters they hold: the bottom of a word without descenders is
    the baseline; the height of a word with a capital, digit or ascender is the cap height;
    a word of x-height letters only gives the x-height. Medians over the words of the line
    are stable where one box (one word with a descender) is not."""
    sitting = [(top + height, height) for text, _, top, _, height, _ in boxes if not set(text) & DESCENDING]
    if sitting:
        baseline = statistics.median(b for b, _ in sitting)
    else:
        baseline = statistics.median(top + height for _, _, top, _, height, _ in boxes) - 0.2 * statistics.median(
            height for *_, height, _ in boxes)
    caps = [baseline - top for text, _, top, _, height, _ in boxes
            if set(text) & ASCENDING and not set(text) & (DESCENDING | ABOVE_CAPS)]
    if caps:
        return statistics.median(caps) / CAP_SHARE, baseline
    xs = [height for text, _, _, _, height, _ in boxes if text and set(text) <= X_ONLY]
    if xs:
        return statistics.median(xs) / X_SHARE, baseline
    return statistics.median(height for *_, height, _ in boxes) / FULL_SHARE, baseline


def _is_bullet(ink: Any, box: tuple[str, int, int, int, int, float], size_px: float, baseline_px: float) -> bool:
    """A filled dot before the line's text: a small, about square, mostly inked box whose
    bottom is clearly above the baseline (an "e" or "o" sits on it)."""
    import numpy as np

    text, left, top, width, height, _ = box
    if len(text) > 2 or any(c.isdigit() for c in text) or not (0 < width <= 0.5 * size_px and 0 < height <= 0.5 * size_px):
        return False
    if not 0.6 <= width / height <= 1.6 or baseline_px - (top + height) < 0.08 * size_px:
        return False
    patch = ink[max(0, top):top + height, max(0, left):left + width]
    return patch.size > 0 and float(np.count_nonzero(patch)) / patch.size >= 0.6


def _is_text_line(boxes: list[tuple[str, int, int, int, int, float]], size_px: float) -> bool:
    """Not a table rule or a speck read as letters: such lines are a few pixels high or
    their words have no alphanumeric character and low confidence."""
    if size_px < 6:
        return False
    return any(any(c.isalnum() for c in text) and conf >= 30 for text, *_, conf in boxes)


def _ink(image: Any) -> Any:
    """The page as a boolean ink mask (Otsu's threshold on the grey levels)."""
    import numpy as np

    grey = image.convert("L")
    hist = np.asarray(grey.histogram(), dtype=np.float64)
    total = hist.sum()
    levels = np.arange(256)
    weight0 = np.cumsum(hist)
    mean0 = np.cumsum(hist * levels)
    weight1 = total - weight0
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mean0[-1] * weight0 - mean0 * total) ** 2 / (weight0 * weight1)
    threshold = int(np.nanargmax(between[:-1])) if total else 128
    return np.asarray(grey, dtype=np.uint8) <= threshold


def _stroke(ink: Any, left: int, top: int, width: int, height: int) -> float:
    """Mean stroke width (pixels) of the ink in a word box: twice the ink area over the
    ink's outline length (a stroke of width w and length L has area wL, outline about 2L)."""
    import numpy as np

    box = ink[max(0, top):top + height, max(0, left):left + width]
    if box.size == 0:
        return 0.0
    padded = np.pad(box, 1)
    edges = np.count_nonzero(padded[:, 1:] != padded[:, :-1]) + np.count_nonzero(padded[1:, :] != padded[:-1, :])
    return 2.0 * np.count_nonzero(box) / edges if edges else 0.0


BOLD_STROKE = 1.22  # a line whose strokes are this much thicker than the body text's is bold
SIZE_TOLERANCE = 0.05  # line sizes within 5 % of each other are one size (one style)


def finish_lines(pages: list[list[Any]]) -> None:
    """Document-wide steps once every page is read: one size for each cluster of close
    line-size estimates, and bold for lines whose strokes are thicker than the body's.

    Both are relative to the document's own body text (the size and stroke of most
    characters), so a scan's resolution, contrast and font do not move the thresholds."""
    lines = [line for page in pages for line in page]
    if not lines:
        return
    # sizes: the densest window of estimates first (most characters within the tolerance)
    # becomes one size, then the densest of the rest, ...; windows do not chain
    for cluster in _size_clusters(lines):
        size = round(_weighted_median([(line.size, len(line.text)) for line in cluster]) * 2) / 2
        for line in cluster:
            line.top += size - line.size
            line.size = size
    # bold: stroke width relative to the font size, against the body's
    strokes = [(ratio, chars) for line in lines for chars, ratio in line.ocr_words if ratio > 0]
    if not strokes:
        return
    body = _weighted_median(strokes)
    for line in lines:
        # the character-weighted mean over the line's words: steadier than word by word
        # (a short word's stroke is noisy); a line of 60 % bold words reaches about 1.2
        chars = sum(chars for chars, _ in line.ocr_words) or 1
        line.bold = sum(c * ratio for c, ratio in line.ocr_words) / chars > BOLD_STROKE * body


def _size_clusters(lines: list[Any]) -> list[list[Any]]:
    import bisect

    left = sorted(lines, key=lambda line: line.size)
    clusters = []
    while left:
        sizes = [line.size for line in left]
        prefix = [0]
        for line in left:
            prefix.append(prefix[-1] + len(line.text) + 1)
        best, best_span = -1, (0, 0)
        for size in sizes:
            lo = bisect.bisect_left(sizes, size * (1 - SIZE_TOLERANCE))
            hi = bisect.bisect_right(sizes, size * (1 + SIZE_TOLERANCE))
            if prefix[hi] - prefix[lo] > best:
                best, best_span = prefix[hi] - prefix[lo], (lo, hi)
        lo, hi = best_span
        clusters.append(left[lo:hi])
        left = left[:lo] + left[hi:]
    return clusters


def _weighted_median(values: list[tuple[float, int]]) -> float:
    ordered = sorted(values)
    half = sum(weight for _, weight in ordered) / 2
    running = 0
    for value, weight in ordered:
        running += weight
        if running >= half:
            return value
    return ordered[-1][0]


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
