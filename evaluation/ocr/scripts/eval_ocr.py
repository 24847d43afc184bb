"""Scanned PDFs: generated reports rasterised at 200 dpi, read back with OCR.

Report PDFs from ``evaluation/common/generate_pdfs.py`` (known truth) are rendered page by page at
200 dpi into image-only PDFs (no text layer, as a scanner makes them) and read with
``load_document(..., ocr="auto")``. Measured: the share of truth paragraphs and headings
recovered (a block of the same kind with word-level similarity ≥ 0.9), furniture lines
("Sid N (M)", running header) found in no block, metadata, and OCR pages per second.
Seeds 601–602 are reported; see evaluation/ocr/README.md for what the OCR settings were chosen on.

    python -m evaluation.ocr.scripts.eval_ocr    # writes evaluation/ocr/results/ocr.json

Reads corpora/*.txt (the generator's material); writes evaluation/out/ocr/ and the results.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import time
from pathlib import Path

from evaluation.paths import CORPORA, results, scratch
from nlp.ingest import load_document

RESULTS = results("ocr") / "ocr.json"


def rasterise(pdf_path: Path, out: Path, dpi: int = 200) -> Path:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(pdf_path)
    images = [pdf[i].render(scale=dpi / 72, grayscale=True).to_pil() for i in range(len(pdf))]
    images[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return out


def similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.split(), b.split(), autojunk=False).ratio()


def main() -> None:
    from evaluation.common.generate_pdfs import build_pdf, load_material

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[601, 602])
    parser.add_argument("--pages", type=int, default=6)
    parser.add_argument("--out", type=Path, default=scratch("ocr"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    material = load_material(CORPORA)
    totals = {"paragraphs": 0, "paragraphs_ok": 0, "headings": 0, "headings_ok": 0, "furniture_leaks": 0,
              "metadata_ok": 0, "metadata": 0, "pages": 0, "seconds": 0.0}
    per_doc = {}
    for seed in args.seeds:
        truth = build_pdf(args.out / f"born-{seed}.pdf", seed, args.pages, material)
        scan = rasterise(args.out / f"born-{seed}.pdf", args.out / f"scan-{seed}.pdf")
        start = time.perf_counter()
        doc = load_document(scan, use_manifest=False)
        seconds = time.perf_counter() - start
        blocks = {"paragraph": [b.text for b in doc.blocks if b.type.value in ("paragraph", "list_item")],
                  "heading": [b.text for b in doc.blocks if b.type.value == "heading"]}
        counts = {"paragraphs": 0, "paragraphs_ok": 0, "headings": 0, "headings_ok": 0}
        for block in truth["blocks"]:
            kind = "paragraph" if block["type"] in ("paragraph", "list_item") else block["type"]
            if kind not in blocks:
                continue
            key = "paragraphs" if kind == "paragraph" else "headings"
            counts[key] += 1
            counts[key + "_ok"] += any(similar(t, block["text"]) >= 0.9 for t in blocks[kind])
        text = "\n".join(b.text for b in doc.blocks)
        leaks = sum(1 for f in truth["furniture"] if f in text)
        meta = [doc.district == truth["district"], doc.year == truth["year"], doc.report_type == truth["report_type"]]
        per_doc[scan.name] = {**counts, "furniture_leaks": leaks, "metadata_ok": sum(meta), "pages": truth["pages"],
                              "seconds": round(seconds, 1)}
        for key, value in per_doc[scan.name].items():
            totals[key] += value
        totals["metadata"] += len(meta)
    result = {
        "paragraphs_recovered": round(totals["paragraphs_ok"] / totals["paragraphs"], 4),
        "headings_recovered": round(totals["headings_ok"] / totals["headings"], 4),
        "furniture_leaks": totals["furniture_leaks"], "metadata": f"{totals['metadata_ok']}/{totals['metadata']}",
        "pages": totals["pages"], "ocr_pages_per_second": round(totals["pages"] / totals["seconds"], 3),
        "cores": os.cpu_count(), "dpi_scan": 200, "documents": per_doc, "seeds": args.seeds,
    }
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"paragraphs {result['paragraphs_recovered']} ({totals['paragraphs']})  headings "
          f"{result['headings_recovered']} ({totals['headings']})  furniture leaks {result['furniture_leaks']}  "
          f"metadata {result['metadata']}  {result['ocr_pages_per_second']} pages/s ({totals['pages']} pages)")


if __name__ == "__main__":
    main()
