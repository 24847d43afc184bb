"""Generate realistic Stockholm district report PDFs with known truth.

Body text comes from the real corpus extractions in ``corpora/`` (paragraphs, list items,
goal titles), laid out the way the city's reports are: a title page, a running header
"Tjänsteutlåtande" with "Sid N (M)", a footer, numbered goal headings on four levels,
justified 10 pt text hyphenated at line ends (pyphen's Swedish patterns), bullet and
numbered lists, indicator and activity tables, and paragraphs flowing across pages.
Each ``X.pdf`` gets ``X.truth.json`` with every block, its page and the furniture drawn.

    python -m evaluation.common.generate_pdfs --out evaluation/out/gen --count 3 --pages 30 --seed 1
    python -m evaluation.common.generate_pdfs --out /tmp/bad --bad
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_JUSTIFY
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (BaseDocTemplate, Frame, PageBreak, PageTemplate, Paragraph, Spacer, Table,
                                TableStyle)

from evaluation.paths import CORPORA

DISTRICTS = ("Rinkeby-Kista", "Spånga-Tensta", "Hässelby-Vällingby", "Bromma", "Kungsholmen", "Norra innerstaden",
             "Östermalm", "Södermalm", "Enskede-Årsta-Vantör", "Skarpnäck", "Farsta", "Hägersten-Älvsjö", "Skärholmen")
REPORTS = (("Tertialrapport 1", "tertialrapport", "T1"), ("Tertialrapport 2", "tertialrapport", "T2"),
           ("Verksamhetsberättelse", "verksamhetsberattelse", "helår"))
PARTS = ("Sammanfattande analys", "Uppföljning av kommunfullmäktiges inriktningsmål", "Ekonomi", "Personal")
SUBHEADINGS = ("Analys", "Beskrivning", "Förväntat resultat", "Goda exempel")
INDICATORS = ("Andel nöjda brukare inom hemtjänsten", "Andel ungdomar som känner sig trygga i sitt bostadsområde",
              "Andel barn och ungdomar som är nöjda med tillgången till fritidsaktiviteter",
              "Andel omsorgstagare som känner sig trygga i sitt boende", "Antal vräkningar som berör barn",
              "Andel ekologiska livsmedel", "Stockholmarnas nöjdhet med skötsel av park och grönområden",
              "Andel förskolor som arbetar med kemikaliesmart förskola", "Sjukfrånvaro bland medarbetare")
ACTIVITIES = ("Implementera stadens program för öppen förskola", "Genomföra trygghetsvandringar tillsammans med polisen",
              "Ta fram en handlingsplan för arbetet mot våld i nära relationer", "Byta ut belysning till LED i förskolor",
              "Utveckla arbetet med kognitiv sjukdom och demens")
FURNITURE_PAGE = "Sid {n} ({m})"


def _genitive(name: str) -> str:
    return name + "s" if name.endswith("en") or name[-1] not in "sxz" else name


# -- corpus material --------------------------------------------------------------------
@dataclass
class Material:
    paragraphs: list[str]
    items: list[str]
    goals: dict[int, list[str]]


def _corpus_lines(corpus: Path) -> list[list[str]]:
    documents = []
    furniture = re.compile(r"^(Tjänsteutlåtande|Sid \d+ \(\d+\)|start\.stockholm|.*Tertialrapport \d+\(\d+\))\s*$")
    for path in sorted(corpus.glob("*.txt")):
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
        documents.append([line for line in lines if line and not furniture.match(line)])
    return documents


def load_material(corpus: Path) -> Material:
    """Prose paragraphs, list items and goal titles from the corpus texts."""
    paragraphs: list[str] = []
    items: list[str] = []
    goals: dict[int, list[str]] = {2: [], 3: [], 4: []}
    for lines in _corpus_lines(corpus):
        current: list[str] = []
        width = sorted(len(x) for x in lines)[int(0.9 * (len(lines) - 1))]

        def close() -> None:  # called within this iteration only, so the loop variable is current
            if not current:  # noqa: B023
                return
            text = " ".join(current)  # noqa: B023
            text = re.sub(r"(\w)- (\w)", lambda m: m.group(0) if m.group(2) in "oe" else m.group(0), text)
            text = " ".join(text.split())
            sentences = re.findall(r"[.!?](\s|$)", text)
            if len(text) >= 120 and len(sentences) >= 2 and text[0].isupper() and text.endswith("."):
                if not re.search(r"\d{4}-\d{2}-\d{2}|%\s+\d|\|", text):
                    paragraphs.append(text)
            current.clear()  # noqa: B023

        for line in lines:
            if line.startswith(("• ", "- ")):
                close()
                item = line[2:].strip()
                if 30 <= len(item) <= 200 and item.endswith("."):
                    items.append(item)
                continue
            match = re.match(r"^(KF:s inriktningsmål|KF:s mål för verksamhetsområdet|Nämndmål):?\s*(\d[\d.]*)\s+(.{15,})$", line)
            if match:
                level = {"KF:s inriktningsmål": 2, "KF:s mål för verksamhetsområdet": 3, "Nämndmål": 4}[match.group(1)]
                goals[level].append(match.group(3).strip())
                close()
                continue
            if current and (current[-1].endswith("-") and line[:1].islower()):
                current[-1] = current[-1][:-1] + line  # only hyphen breaks inside words of the source
                continue
            current.append(line)
            if line.endswith(".") and len(line) < 0.8 * width:
                close()
        close()
    paragraphs = list(dict.fromkeys(p for p in paragraphs if "  " not in p))
    items = list(dict.fromkeys(items))
    defaults = {
        2: ["Ett Stockholm som håller samman med en stark och jämlik välfärd i hela staden",
            "Ett grönt och fossilfritt Stockholm som leder en rättvis klimatomställning",
            "Ett Stockholm som är tryggt och säkert för alla som bor och vistas i staden"],
        3: ["Alla barn och ungdomar ska ges möjlighet till jämlika uppväxtvillkor och trygghet samt en rik fritid",
            "Stockholms stad ska ge stöd och omsorg där behoven är som störst",
            "Stockholm ska vara en äldrevänlig stad med en jämlik äldreomsorg av hög kvalitet"],
        4: ["Barn och unga har en trygg och jämlik uppväxt och en meningsfull fritid",
            "Äldre har en meningsfull vardag och ett gott liv",
            "Nämndens verksamheter minskar sin klimatpåverkan"],
    }
    for level, titles in defaults.items():
        goals[level] = list(dict.fromkeys(goals[level] + titles))
    return Material(paragraphs, items, goals)


# -- layout ------------------------------------------------------------------------------
@dataclass
class Layout:
    font: str
    bold: str
    left: float
    right: float
    header: str
    footer_variant: int


def make_styles(layout: Layout) -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=layout.font, fontSize=10, leading=13, alignment=TA_JUSTIFY,
                          hyphenationLang="sv_SE", embeddedHyphenation=1, uriWasteReduce=0.3, spaceAfter=7)
    return {
        "body": body,
        "item": ParagraphStyle("item", parent=body, leftIndent=16, bulletIndent=4, spaceAfter=3),
        1: ParagraphStyle("h1", fontName=layout.bold, fontSize=16, leading=20, spaceBefore=12, spaceAfter=8),
        2: ParagraphStyle("h2", fontName=layout.bold, fontSize=14, leading=17, spaceBefore=10, spaceAfter=7),
        3: ParagraphStyle("h3", fontName=layout.bold, fontSize=12, leading=15, spaceBefore=9, spaceAfter=6),
        4: ParagraphStyle("h4", fontName=layout.bold, fontSize=11, leading=14, spaceBefore=8, spaceAfter=5),
        5: ParagraphStyle("h5", fontName=layout.bold, fontSize=10, leading=13, spaceBefore=6, spaceAfter=4),
        "title": ParagraphStyle("title", fontName=layout.bold, fontSize=24, leading=30, spaceAfter=14),
        "cover": ParagraphStyle("cover", fontName=layout.font, fontSize=12, leading=16, spaceAfter=6),
        "cell": ParagraphStyle("cell", fontName=layout.font, fontSize=8.5, leading=10.5),
        "cellhead": ParagraphStyle("cellhead", fontName=layout.bold, fontSize=8.5, leading=10.5),
    }


class TrackedDoc(BaseDocTemplate):
    """Records the page each tracked flowable is drawn on, and draws furniture."""

    def __init__(self, target: Any, layout: Layout, district: str, report_title: str, **kwargs: Any) -> None:
        super().__init__(target, pagesize=A4, leftMargin=layout.left, rightMargin=layout.right,
                         topMargin=25 * mm, bottomMargin=22 * mm, **kwargs)
        self.layout = layout
        self.district = district
        self.report_title = report_title
        self.total_pages = 0
        self.placed: dict[int, int] = {}
        self.furniture: set[str] = set()
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body")
        self.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=self._furniture)])

    def afterFlowable(self, flowable: Any) -> None:
        key = getattr(flowable, "truth_index", None)
        if key is not None and key not in self.placed:
            self.placed[key] = self.page

    def _furniture(self, canvas: Any, doc: Any) -> None:
        if doc.page == 1:
            return
        width, height = A4
        canvas.saveState()
        canvas.setFont(self.layout.font, 8)
        page_text = FURNITURE_PAGE.format(n=doc.page, m=self.total_pages or "?")
        canvas.drawString(self.layout.left, height - 14 * mm, self.layout.header)
        canvas.drawRightString(width - self.layout.right, height - 14 * mm, page_text)
        footer = "start.stockholm"
        canvas.drawString(self.layout.left, 12 * mm, footer)
        self.furniture.update({self.layout.header, page_text, footer})
        if self.layout.footer_variant:
            running = f"{_genitive(self.district)} stadsdelsnämnd, {self.report_title} {doc.page}({self.total_pages or '?'})"
            canvas.drawRightString(width - self.layout.right, 12 * mm, running)
            self.furniture.add(running)
        canvas.restoreState()


class TrackedParagraph(Paragraph):
    """A paragraph whose split parts keep the truth index, so a paragraph that starts
    at the foot of a page is recorded on that page."""

    def split(self, available_width: float, available_height: float) -> list[Any]:
        parts = super().split(available_width, available_height)
        for part in parts:
            part.truth_index = getattr(self, "truth_index", None)
        return parts


class TrackedTable(Table):
    def split(self, available_width: float, available_height: float) -> list[Any]:
        parts = super().split(available_width, available_height)
        for part in parts:
            part.truth_index = getattr(self, "truth_index", None)
        return parts


@dataclass
class Builder:
    rng: random.Random
    material: Material
    styles: dict[str, ParagraphStyle]
    story: list[Any] = field(default_factory=list)
    blocks: list[dict[str, Any]] = field(default_factory=list)
    _unused: list[str] = field(default_factory=list)
    # Assessment lines ("Uppfylls helt") or sentences after goal headings; off by default so
    # the segmentation benchmark's documents stay as they were.
    assessments: bool = False
    goals: list[dict[str, Any]] = field(default_factory=list)
    _direction: str | None = None  # the current inriktningsmål and verksamhetsområdesmål
    _area: str | None = None

    def next_paragraph(self) -> str:
        """Corpus paragraphs in a shuffled order, each used once before any repeats (a long
        document cycles through them again, as real reports repeat text)."""
        if not self._unused:
            self._unused = list(self.material.paragraphs)
            self.rng.shuffle(self._unused)
        return self._unused.pop()

    def _track(self, make: Any, block: dict[str, Any]) -> None:
        # the story holds factories: reportlab splits flowables while it lays them out, so
        # each build (page count pass, final pass) needs fresh ones
        index = len(self.blocks)
        self.blocks.append(block)

        def factory() -> Any:
            flowable = make()
            flowable.truth_index = index
            return flowable

        self.story.append(factory)

    def flowables(self) -> list[Any]:
        return [make() for make in self.story]

    def heading(self, text: str, level: int) -> None:
        self._track(lambda: TrackedParagraph(escape(text), self.styles[level]), {"type": "heading", "text": text, "level": level, "rows": None})

    def paragraph(self, text: str) -> None:
        self._track(lambda: TrackedParagraph(escape(text), self.styles["body"]), {"type": "paragraph", "text": text, "level": None, "rows": None})

    def items(self, count: int) -> None:
        numbered = self.rng.random() < 0.25
        glyph = self.rng.choice(["•", "•", "–", "-"])
        for n, text in enumerate(self.rng.sample(self.material.items, count), start=1):
            bullet = f"{n}." if numbered else glyph
            self._track(lambda text=text, bullet=bullet: TrackedParagraph(escape(text), self.styles["item"], bulletText=bullet), {"type": "list_item", "text": text, "level": None, "rows": None})

    def table(self, kind: str) -> None:
        if kind == "indicator":
            header = ["Indikator", "Periodens utfall", "Utfall VB 2024", "Prognos helår", "Årsmål", "Period"]
            rows = [header]
            for name in self.rng.sample(INDICATORS, self.rng.randint(2, 4)):
                value = self.rng.randint(40, 98)
                rows.append([name, f"{value} %", f"{value - self.rng.randint(0, 5)} %", f"{value} %",
                             f"{min(100, value + self.rng.randint(0, 6))} %", "Tertial 1 2025"])
            widths = [60 * mm, 22 * mm, 20 * mm, 20 * mm, 16 * mm, 24 * mm]
        else:
            header = ["Aktivitet", "Startdatum", "Slutdatum", "Avvikelse"]
            rows = [header] + [[a, "2025-01-01", "2025-12-31", ""] for a in self.rng.sample(ACTIVITIES, 2)]
            widths = [90 * mm, 24 * mm, 24 * mm, 22 * mm]
        def make() -> Table:
            cells = [[Paragraph(escape(c), self.styles["cellhead" if r == 0 else "cell"]) for c in row]
                     for r, row in enumerate(rows)]
            table = TrackedTable(cells, colWidths=widths, repeatRows=0, hAlign="LEFT")
            table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                                       ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                                       ("VALIGN", (0, 0), (-1, -1), "TOP")]))
            return table

        truth_rows = [list(row) for row in rows]
        if kind == "indicator" and self.goals:
            self.goals[-1]["indicators"].extend(
                {"name": r[0], "outcome": r[1], "forecast": r[3], "target": r[4], "period": r[5]} for r in rows[1:])
        text = "\n".join(" | ".join(r) for r in truth_rows)
        self._track(make, {"type": "table", "text": text, "level": None, "rows": truth_rows})
        self.story.append(lambda: Spacer(1, 6))

    GOAL_NOUNS = {"inriktningsmål": "inriktningsmålet", "verksamhetsområdesmål": "målet för verksamhetsområdet",
                  "nämndmål": "nämndmålet"}
    ASSESSMENT_SENTENCES = {"helt": "Förvaltningen gör bedömningen att {noun} kommer att uppnås under året.",
                            "delvis": "Förvaltningen bedömer att {noun} delvis kommer att uppfyllas under året.",
                            "inte": "Förvaltningen gör bedömningen att {noun} inte kommer att uppnås under året."}

    def goal(self, kind: str, label: str, number: str, title: str, level: int, parent: str | None) -> str | None:
        """A goal heading with its assessment: a status line, or (one in five) only a
        sentence in its analysis. Returns the sentence to open the analysis with."""
        self.heading(f"{label}: {number} {title}", level)
        truth = {"goal": title, "number": number.rstrip("."), "kind": kind, "parent": parent, "assessment": None,
                 "page_block": len(self.blocks) - 1, "indicators": []}
        self.goals.append(truth)
        if not self.assessments:
            return None
        truth["assessment"] = self.rng.choices(["helt", "delvis", "inte"], weights=[7, 2, 1])[0]
        if self.rng.random() < 0.8:
            status = {"helt": "Uppfylls helt", "delvis": "Uppfylls delvis", "inte": "Uppfylls inte"}[truth["assessment"]]
            self.paragraph(status)
            return None
        return self.ASSESSMENT_SENTENCES[truth["assessment"]].format(noun=self.GOAL_NOUNS[kind])

    def analysis(self, count: int, opening: str | None) -> None:
        for n in range(count):
            text = self.next_paragraph()
            self.paragraph(f"{opening} {text}" if opening and n == 0 else text)

    def goal_section(self, numbers: tuple[int, int, int]) -> None:
        i, j, k = numbers
        rng = self.rng
        goals = self.material.goals
        if k == 1 and j == 1:
            self._direction = rng.choice(goals[2])
            opening = self.goal("inriktningsmål", "KF:s inriktningsmål", f"{i}.", self._direction, 2, None)
            self.heading("Analys", 5)
            self.analysis(1, opening)
        if k == 1:
            self._area = rng.choice(goals[3])
            opening = self.goal("verksamhetsområdesmål", "KF:s mål för verksamhetsområdet", f"{i}.{j}", self._area, 3,
                                self._direction)
            self.heading("Analys", 5)
            self.analysis(rng.randint(1, 3), opening)
            if rng.random() < 0.6:
                self.table("indicator")
        opening = self.goal("nämndmål", "Nämndmål", f"{i}.{j}.{k}", rng.choice(goals[4]), 4, self._area)
        self.heading("Beskrivning", 5)
        self.paragraph(self.next_paragraph())
        self.heading("Förväntat resultat", 5)
        self.items(rng.randint(2, 4))
        self.heading("Analys", 5)
        self.analysis(rng.randint(1, 3), opening)
        if rng.random() < 0.4:
            self.heading("Goda exempel", 5)
            self.items(rng.randint(2, 3))
        if rng.random() < 0.4:
            self.table("activity")


def build_pdf(path: Path, seed: int, target_pages: int, material: Material, *, assessments: bool = False) -> dict[str, Any]:
    rng = random.Random(seed)
    district = rng.choice(DISTRICTS)
    title_words, report_type, period = rng.choice(REPORTS)
    year = rng.randint(2019, 2025)
    report_title = f"{title_words} {year}"
    layout = Layout(font=rng.choice(["Helvetica", "Times-Roman"]), bold="", left=rng.choice([20, 25, 28]) * mm,
                    right=rng.choice([20, 25]) * mm, header=rng.choice(["Tjänsteutlåtande", "Tjänsteutlåtande"]),
                    footer_variant=rng.randint(0, 1))
    layout.bold = "Helvetica-Bold" if layout.font == "Helvetica" else "Times-Bold"
    styles = make_styles(layout)
    builder = Builder(rng, material, styles, assessments=assessments)
    dnr = f"Dnr SDN {year}/{rng.randint(100, 999)}"
    builder.story.extend([
        lambda: Paragraph(escape(f"{_genitive(district)} stadsdelsnämnd"), styles["cover"]),
        lambda: Paragraph(escape(report_title), styles["title"]),
        lambda: Paragraph("Tjänsteutlåtande", styles["cover"]),
        lambda: Paragraph(escape(dnr), styles["cover"]),
        PageBreak,
    ])
    # roughly 2.3 paragraphs of ~90 words fill a page: plan sections until the target
    words_per_page = 520
    words = 0
    numbers = [1, 1, 1]
    builder.heading(PARTS[0], 1)
    for _ in range(3):
        builder.paragraph(builder.next_paragraph())
    builder.heading(PARTS[1], 1)
    while words < words_per_page * (target_pages - 2):
        builder.goal_section((numbers[0], numbers[1], numbers[2]))
        words = sum(len(b["text"].split()) for b in builder.blocks)
        numbers[2] += 1
        if numbers[2] > rng.randint(2, 3):
            numbers[1] += 1
            numbers[2] = 1
            if numbers[1] > rng.randint(2, 3):
                numbers[0] += 1
                numbers[1] = 1
    builder.heading(PARTS[2], 1)
    builder.paragraph(builder.next_paragraph())

    def render(total: int) -> tuple[bytes, TrackedDoc]:
        buffer = io.BytesIO()
        doc = TrackedDoc(buffer, layout, district, report_title, title=report_title, author="rapport generator")
        doc.total_pages = total
        doc.build(builder.flowables())
        return buffer.getvalue(), doc

    _, first = render(0)  # the first pass counts the pages
    data, doc = render(first.page)
    path.write_bytes(data)
    for index, block in enumerate(builder.blocks):
        block["page"] = doc.placed.get(index)
    for goal in builder.goals:
        goal["page"] = builder.blocks[goal.pop("page_block")]["page"]
    truth = {
        "pdf": path.name, "pages": doc.page, "district": district, "year": year, "report_type": report_type,
        "period": period, "title": report_title, "furniture": sorted(doc.furniture), "blocks": builder.blocks,
        "hyphen_splits": hyphen_splits(data, builder.blocks), "goals": builder.goals,
    }
    path.with_suffix(".truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    return truth


def hyphen_splits(pdf_bytes: bytes, blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Words the layout split at a line end with an inserted hyphen (read back with PDFium)."""
    import pypdfium2 as pdfium

    vocabulary = {w for b in blocks for w in re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", b["text"])}
    splits = []
    pdf = pdfium.PdfDocument(pdf_bytes)
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            text = page.get_textpage().get_text_range()
            # PDFium joins a line-end hyphen with the next line and marks it U+FFFE
            for match in re.finditer(r"([^\W\d_]+)\ufffe([^\W\d_]+)", text):
                word = match.group(1) + match.group(2)
                if word in vocabulary:
                    splits.append({"word": word, "page": index + 1})
    finally:
        pdf.close()
    return splits


# -- bad inputs --------------------------------------------------------------------------
def make_bad_pdfs(out_dir: Path, material: Material | None = None) -> dict[str, Path]:
    """Empty, corrupt, encrypted, scanned (image-only) and not-a-PDF files."""
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {name: out_dir / f"{name}.pdf" for name in ("empty", "corrupt", "encrypted", "scanned", "not_a_pdf")}
    paths["empty"].write_bytes(b"")
    good = io.BytesIO()
    c = canvas.Canvas(good, pagesize=A4)
    c.drawString(72, 800, "Förvaltningen gör bedömningen att målet uppfylls.")
    c.showPage()
    c.save()
    data = good.getvalue()
    paths["corrupt"].write_bytes(data[: len(data) // 2] + b"\x00garbage\xff" * 20)
    c = canvas.Canvas(str(paths["encrypted"]), pagesize=A4, encrypt="hemligt")
    c.drawString(72, 800, "Förvaltningen gör bedömningen att målet uppfylls.")
    c.showPage()
    c.save()
    image = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(image)
    for row in range(30):
        draw.text((100, 100 + row * 40), "Förvaltningen gör bedömningen att målet uppfylls under året.", fill=0)
    c = canvas.Canvas(str(paths["scanned"]), pagesize=A4)
    c.drawImage(ImageReader(image), 0, 0, width=A4[0], height=A4[1])
    c.showPage()
    c.save()
    paths["not_a_pdf"].write_text("Det här är en textfil, ingen PDF.\n", encoding="utf-8")
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--pages", type=int, default=30, help="approximate pages per document")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--corpus", type=Path, default=CORPORA)
    parser.add_argument("--bad", action="store_true", help="write bad-input fixtures instead")
    parser.add_argument("--assessments", action="store_true",
                        help="give goals assessment lines or sentences (the goals benchmark's documents)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.bad:
        for name, path in make_bad_pdfs(args.out).items():
            print(f"{name}: {path}")
        return
    material = load_material(args.corpus)
    for n in range(args.count):
        seed = args.seed + n
        path = args.out / f"report-{seed:05d}.pdf"
        truth = build_pdf(path, seed, args.pages, material, assessments=args.assessments)
        print(f"{path}: {truth['pages']} pages, {len(truth['blocks'])} blocks, {len(truth['hyphen_splits'])} hyphen splits",
              file=sys.stderr)


if __name__ == "__main__":
    main()
