"""Generate Word and HTML reports with known truth from the PDF generator's corpus plan.

The content plan (goal hierarchy, corpus paragraphs, list items, indicator and activity
tables) is the one ``evaluation/common/generate_pdfs.py`` lays out as PDF; here it becomes a
.docx (real Heading styles, numbered and bulleted lists, tables, a title page, header and
footer with "Sid N") and an HTML page wrapped in site chrome (logo, menu, breadcrumb,
cookie banner, sidebar, footer, scripts). Each file gets ``X.truth.json``.

    python -m evaluation.formats.scripts.generate_formats --out evaluation/out/formats --count 3 --seed 11
"""

from __future__ import annotations

import argparse
import html
import json
import random
from pathlib import Path
from typing import Any

from evaluation.common.generate_pdfs import DISTRICTS, PARTS, REPORTS, Builder, Material, _genitive, load_material
from evaluation.paths import CORPORA, scratch

# Chrome strings the HTML/DOCX furniture contains; none may appear in any block.
CHROME = ("Stockholms stad – startsida", "Kontakta oss", "Vi använder kakor", "Godkänn alla kakor",
          "Du är här:", "Hoppa till innehållet", "Dela sidan", "Relaterade sidor", "Telefon 08-508 000 00",
          "Sid ", "Tjänsteutlåtande för nämnden", "Meny", "Sök på webbplatsen", "window.dataLayer",
          "Öppnas i nytt fönster", "Skriv ut sidan")


def plan(seed: int, material: Material, target_pages: int, assessments: bool = False) -> dict[str, Any]:
    """The report content as truth blocks (the PDF generator's plan, without layout)."""
    rng = random.Random(seed)
    district = rng.choice(DISTRICTS)
    title_words, report_type, period = rng.choice(REPORTS)
    year = rng.randint(2019, 2025)
    builder = Builder(rng, material, {}, assessments=assessments)  # styles are only used when laying out PDF flowables
    builder.heading(PARTS[0], 1)
    for _ in range(3):
        builder.paragraph(builder.next_paragraph())
    builder.heading(PARTS[1], 1)
    numbers = [1, 1, 1]
    while sum(len(b["text"].split()) for b in builder.blocks) < 520 * (target_pages - 2):
        builder.goal_section((numbers[0], numbers[1], numbers[2]))
        numbers[2] += 1
        if numbers[2] > rng.randint(2, 3):
            numbers[1] += 1
            numbers[2] = 1
            if numbers[1] > rng.randint(2, 3):
                numbers[0] += 1
                numbers[1] = 1
    builder.heading(PARTS[2], 1)
    builder.paragraph(builder.next_paragraph())
    for block in builder.blocks:
        block.setdefault("numbered", False)
    # the PDF builder picks bullets vs numbers at render time; decide per list run here
    run_numbered = False
    previous = None
    for block in builder.blocks:
        if block["type"] == "list_item" and previous != "list_item":
            run_numbered = rng.random() < 0.3
        block["numbered"] = run_numbered and block["type"] == "list_item"
        previous = block["type"]
    return {"district": district, "year": year, "report_type": report_type, "period": period,
            "title": f"{title_words} {year}", "blocks": builder.blocks, "chrome": list(CHROME),
            "goals": builder.goals}


def write_docx(path: Path, truth: dict[str, Any]) -> None:
    import docx
    from docx.enum.text import WD_BREAK
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = "Tjänsteutlåtande för nämnden"
    footer = section.footer.paragraphs[0]
    footer.text = "Sid "
    run = footer.add_run()  # a PAGE field, as Word writes it
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.text = text
        run._r.append(element)
    document.add_paragraph(f"{_genitive(truth['district'])} stadsdelsnämnd")
    document.add_paragraph(truth["title"], style="Title")
    document.add_paragraph("Dnr SDN 2025/123")
    document.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)
    document.core_properties.title = truth["title"]
    document.core_properties.subject = f"{truth['district']} {truth['title']}"
    for n, block in enumerate(truth["blocks"]):
        if block["type"] == "heading":
            document.add_heading(block["text"], level=block["level"])
        elif block["type"] == "paragraph":
            paragraph = document.add_paragraph(block["text"])
            if n % 7 == 3:
                paragraph.add_run().add_break(WD_BREAK.PAGE)
        elif block["type"] == "list_item":
            document.add_paragraph(block["text"], style="List Number" if block["numbered"] else "List Bullet")
        elif block["type"] == "table":
            rows = block["rows"]
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            table.style = "Table Grid"
            for r, row in enumerate(rows):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = cell
    document.save(str(path))


def write_html(path: Path, truth: dict[str, Any], rng: random.Random) -> None:
    e = html.escape
    body: list[str] = [f"<header class='article-header'><h1>{e(truth['title'])}</h1>"
                       f"<span class='sr-only'>Öppnas i nytt fönster</span></header>",
                       f"<p class='ingress'>{e(_genitive(truth['district']))} stadsdelsnämnd</p>"]
    open_list = None
    blocks = truth["blocks"]
    skip = False
    for n, block in enumerate(blocks):
        if skip:
            skip = False
            continue
        if block["type"] != "list_item" and open_list:
            body.append(f"</{open_list}>")
            open_list = None
        nxt = blocks[n + 1] if n + 1 < len(blocks) else None
        if block["type"] == "paragraph" and nxt and nxt["type"] == "paragraph" and rng.random() < 0.3:
            # two paragraphs in one <div> separated by <br><br>, as pasted CMS text often is
            body.append(f"<div>{e(block['text'])}<br>\n<br>{e(nxt['text'])}</div>")
            skip = True
            continue
        if block["type"] == "heading":
            level = min(6, block["level"] + 1)  # h1 is the page title
            body.append(f"<h{level}>{e(block['text'])}</h{level}>")
        elif block["type"] == "paragraph":
            text = e(block["text"])
            if rng.random() < 0.3:  # a <div> without <p>, as CMS editors produce
                body.append(f"<div class='text'>\n  {text}\n</div>")
            else:
                body.append(f"<p>{text}</p>")
        elif block["type"] == "list_item":
            if not open_list:
                open_list = "ol" if block["numbered"] else "ul"
                body.append(f"<{open_list}>")
            body.append(f"<li>{e(block['text'])}</li>")
        elif block["type"] == "table":
            rows = block["rows"]
            head = "".join(f"<th>{e(c)}</th>" for c in rows[0])
            cells = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in rows[1:])
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>")
    if open_list:
        body.append(f"</{open_list}>")
    wrapper = rng.choice(["main", "article", "div"])
    page = f"""<!DOCTYPE html>
<html lang="sv"><head><meta charset="utf-8"><title>{e(truth['title'])} – Stockholms stad</title>
<script>window.dataLayer = window.dataLayer || [];</script><style>.hidden{{display:none}}</style></head>
<body>
<a class="skip-link" href="#content">Hoppa till innehållet</a>
<div id="cookie-consent" class="cookie-banner"><p>Vi använder kakor för att förbättra webbplatsen och för statistik
om hur den används.</p><button>Godkänn alla kakor</button></div>
<header class="site-header"><div class="logo">Stockholms stad – startsida</div>
<nav class="main-menu"><ul><li><a href="/">Meny</a></li><li><a href="/kontakt">Kontakta oss</a></li>
<li><a href="/sok">Sök på webbplatsen</a></li></ul></nav></header>
<div class="breadcrumb">Du är här: Start / Stadsdelar / {e(truth['district'])}</div>
<div class="layout">
<{wrapper} id="content" class="page-content">
{chr(10).join(body)}
</{wrapper}>
<div class="sidebar"><h2>Relaterade sidor</h2><p>Här hittar du fler rapporter och protokoll från stadsdelsnämndens
sammanträden under året.</p></div>
<div class="share-links">Dela sidan</div><p style="display:none">Skriv ut sidan</p>
</div>
<footer><p>Kontakta oss: Telefon 08-508 000 00, Stockholms stad, 105 35 Stockholm. Växeln är öppen vardagar.</p></footer>
<script>console.log("Sid 1");</script>
</body></html>
"""
    path.write_text(page, encoding="utf-8")


def generate(out: Path, seed: int, material: Material, pages: int = 8, assessments: bool = False) -> list[Path]:
    """One report as .docx and .html, each with its truth JSON (goals with assessment lines
    or sentences when ``assessments``: the goals benchmark's documents)."""
    out.mkdir(parents=True, exist_ok=True)
    truth = plan(seed, material, pages, assessments)
    written = []
    for suffix in (".docx", ".html"):
        path = out / f"report-{seed:05d}{suffix}"
        if suffix == ".docx":
            write_docx(path, truth)
        else:
            write_html(path, truth, random.Random(seed))
        (out / f"report-{seed:05d}{suffix}.truth.json").write_text(
            json.dumps({**truth, "file": path.name}, ensure_ascii=False, indent=1), encoding="utf-8")
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=scratch("formats"))
    parser.add_argument("--count", type=int, default=3)
    parser.add_argument("--pages", type=int, default=8, help="approximate pages of content per report")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--corpus", type=Path, default=CORPORA)
    args = parser.parse_args()
    material = load_material(args.corpus)
    for n in range(args.count):
        for path in generate(args.out, args.seed + n, material, args.pages):
            print(path)


if __name__ == "__main__":
    main()
