"""Build the "next year" reuse test report from the real 2020 report and planted edits.

The 2021 report is the Södermalm 2020 tertial report as next year's writer would leave
it: most passages copied verbatim, and the hand-written edits in ``planted.jsonl``
(see README.md here) put in place of their source passages or inserted after them:

- ``light_edit``: years and figures updated, words changed, a clause added or dropped;
- ``rewrite``: the same content in new words (must NOT count as reuse);
- ``sentence_reuse``: a new paragraph with one sentence copied from the source;
- ``new``: text that did not exist in 2020.

It is written as a PDF (reportlab, the layout of ``evaluation/common/generate_pdfs.py``: running
header, "Sid N (M)", justified and hyphenated text), because that is what auditors get.
Every passage is labelled in ``sodermalm_2021_labels.jsonl``: ``n``, ``text``, ``kind``
(verbatim | short | light_edit | rewrite | sentence_reuse | new), ``source_block``,
``source_text``, ``source_alternatives`` (2020 passages that are near-identical to the
source, so a detector that names either is right), ``reused_sentence``.

    python -m evaluation.reuse.scripts.build_next_year
"""

from __future__ import annotations

import difflib
import io
import json
from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph

from evaluation.common.generate_pdfs import Layout, TrackedDoc, TrackedParagraph, make_styles
from evaluation.paths import CORPORA, data
from nlp.ingest import load_document
from nlp.model import BlockType

DATA = data("reuse")

SOURCE = CORPORA / "sodermalm_2020_tertialrapport-1.txt"
PDF = DATA / "sodermalm_2021_tertialrapport-1.pdf"
LABELS = DATA / "sodermalm_2021_labels.jsonl"
SHORT_WORDS = 8  # shorter passages are stock phrases ("Uppfylls helt"), not scored as reuse


def norm(text: str) -> str:
    return " ".join(text.split())


def alternatives(source: str, others: list[str]) -> list[str]:
    """2020 passages that say the same as ``source`` almost word for word."""
    words = source.split()
    found = []
    for other in others:
        if other == source:
            continue
        ratio = difflib.SequenceMatcher(None, words, other.split(), autojunk=False).ratio()
        if ratio >= 0.9:
            found.append(other)
    return found


def main() -> None:
    old = load_document(SOURCE)
    planted = [json.loads(line) for line in (DATA / "planted.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    # Edits name their 2020 passage by its text, not by position, so that they survive
    # changes in segmentation; a passage the segmenter now cuts differently is found by
    # its closest match.
    passage_blocks = [(i, norm(b.text)) for i, b in enumerate(old.blocks)
                      if b.type in (BlockType.PARAGRAPH, BlockType.LIST_ITEM)]
    exact = {text: i for i, text in reversed(passage_blocks)}

    def locate(text: str) -> int:
        text = norm(text)
        if text in exact:
            return exact[text]
        words = text.split()
        return max(passage_blocks, key=lambda p: difflib.SequenceMatcher(None, words, p[1].split(),
                                                                         autojunk=False).ratio())[0]

    replace = {locate(p["source"]): p for p in planted if "source" in p}
    if len(replace) != sum("source" in p for p in planted):
        raise SystemExit("two edits point at the same 2020 passage; check planted.jsonl")
    inserts: dict[int, list[dict]] = {}
    for p in planted:
        if "after" in p:
            inserts.setdefault(locate(p["after"]), []).append(p)
    passage_texts = [text for _, text in passage_blocks]

    layout = Layout(font="Times-Roman", bold="Times-Bold", left=25 * mm, right=20 * mm, header="Tjänsteutlåtande",
                    footer_variant=1)
    styles = make_styles(layout)
    story: list = [
        lambda: Paragraph("Södermalms stadsdelsnämnd", styles["cover"]),
        lambda: Paragraph("Tertialrapport 1 2021", styles["title"]),
        lambda: Paragraph("Tjänsteutlåtande", styles["cover"]),
        lambda: Paragraph("Dnr SDN 2021/412", styles["cover"]),
        PageBreak,
    ]
    labels: list[dict] = []

    def add(text: str, item: bool, label: dict) -> None:
        style = styles["item"] if item else styles["body"]
        story.append(lambda: TrackedParagraph(escape(text), style, bulletText="•" if item else None))
        labels.append({"n": len(labels), "text": norm(text), **label})

    for index, block in enumerate(old.blocks):
        if block.type == BlockType.HEADING:
            level = min(max(block.level or 1, 1), 5)
            text = block.text.replace("2020", "2021")
            story.append(lambda text=text, level=level: TrackedParagraph(escape(text), styles[level]))
            continue
        if block.type not in (BlockType.PARAGRAPH, BlockType.LIST_ITEM):
            continue  # tables are figures, not prose; the 2021 report has its own
        item = block.type == BlockType.LIST_ITEM
        source = norm(block.text)
        edit = replace.get(index)
        if edit is None:
            kind = "verbatim" if len(source.split()) >= SHORT_WORDS else "short"
            add(source, item, {"kind": kind, "source_block": index, "source_text": source,
                               "source_alternatives": alternatives(source, passage_texts) if kind == "verbatim" else []})
        else:
            label = {"kind": edit["kind"], "source_block": index, "source_text": source}
            if edit["kind"] in ("light_edit", "sentence_reuse"):
                label["source_alternatives"] = alternatives(source, passage_texts)
            if edit["kind"] == "sentence_reuse":
                label["reused_sentence"] = norm(edit["reused_sentence"])
            add(edit["text"], item, label)
        for new in inserts.get(index, []):
            add(new["text"], False, {"kind": "new", "source_block": None, "source_text": None})

    def render(total: int) -> tuple[bytes, TrackedDoc]:
        buffer = io.BytesIO()
        doc = TrackedDoc(buffer, layout, "Södermalm", "Tertialrapport 1 2021", title="Tertialrapport 1 2021")
        doc.total_pages = total
        doc.build([make() for make in story])  # fresh flowables per pass: reportlab splits them
        return buffer.getvalue(), doc

    _, first = render(0)
    data, _ = render(first.page)
    PDF.write_bytes(data)
    with LABELS.open("w", encoding="utf-8") as handle:
        for label in labels:
            handle.write(json.dumps(label, ensure_ascii=False) + "\n")
    counts: dict[str, int] = {}
    for label in labels:
        counts[label["kind"]] = counts.get(label["kind"], 0) + 1
    print(f"{PDF.name}: {first.page} pages, {len(labels)} passages {counts}")


if __name__ == "__main__":
    main()
