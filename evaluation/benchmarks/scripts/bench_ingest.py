"""Benchmark: PDF ingest speed and peak memory on a generated 500-page report.

Runs each method in its own process (so peak memory is its own) on the same PDF:
rapport's full ingest (PDFium characters with fonts and geometry → lines → segmentation
→ sentences), with its default of reading a long PDF's pages in two processes and in one,
against two plain-text baselines, pdfplumber ``extract_text`` and pypdfium2
``get_text_range``. Prints a Markdown table and writes ``evaluation/benchmarks/results/bench_ingest.json``.

    python -m evaluation.benchmarks.scripts.bench_ingest [--pages 500] [--pdf PATH] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from evaluation.paths import ROOT, results, scratch

RESULTS = results("benchmarks")

CHILD = r"""
import json, resource, sys, time
method, path = sys.argv[1], sys.argv[2]
start = time.perf_counter()
if method.startswith("rapport"):
    from nlp.ingest import load_document
    doc = load_document(path, use_manifest=False)
    pages, units = doc.pages, len(doc.blocks)
elif method == "pdfplumber":
    import pdfplumber
    units = 0
    with pdfplumber.open(path) as pdf:
        pages = len(pdf.pages)
        for page in pdf.pages:
            units += len(page.extract_text() or "")
            page.flush_cache()
elif method == "pypdfium2":
    import pypdfium2 as pdfium
    pdf = pdfium.PdfDocument(path)
    pages, units = len(pdf), 0
    for i in range(pages):
        page = pdf[i]
        textpage = page.get_textpage()
        units += len(textpage.get_text_range())
        textpage.close(); page.close()
    pdf.close()
seconds = time.perf_counter() - start
# the reading process's peak plus the largest page-reading process's (an upper bound:
# a forked process's shared pages count twice)
own_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"method": method, "pages": pages, "seconds": seconds, "peak_mb": own_mb + children_mb,
                  "peak_mb_main": own_mb, "peak_mb_workers": children_mb, "units": units}))
"""

METHODS = {
    "rapport": "rapport ingest (PDFium chars + fonts/geometry, segmentation, sentences; pages read on 2 cores)",
    "rapport-1": "rapport ingest, one process (RAPPORT_INGEST_WORKERS=1)",
    "pypdfium2": "pypdfium2 get_text_range (plain text only)",
    "pdfplumber": "pdfplumber extract_text (plain text only)",
}


def generate(pages: int, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    existing = sorted(out_dir.glob("*.pdf"))
    if existing:
        return existing[0]
    subprocess.run(
        [sys.executable, "-m", "evaluation.common.generate_pdfs", "--out", str(out_dir.resolve()), "--count", "1",
         "--pages", str(pages), "--seed", "500"],
        check=True, cwd=ROOT,
    )
    return sorted(out_dir.glob("*.pdf"))[0]


def run_method(method: str, pdf: Path) -> dict[str, object]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), RAPPORT_INGEST_WORKERS="1" if method == "rapport-1" else "auto")
    out = subprocess.run([sys.executable, "-c", CHILD, method, str(pdf)], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--pdf", type=Path, help="benchmark this PDF instead of a generated one")
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    parser.add_argument("--runs", type=int, default=3, help="runs per method; the median is reported")
    args = parser.parse_args()
    pdf = args.pdf or generate(args.pages, scratch(f"bench-{args.pages}"))
    rows = []
    for method in args.methods:
        runs = 1 if method == "pdfplumber" else args.runs  # pdfplumber takes a minute a run
        print(f"running {method} on {pdf.name} ({runs}×) ...", file=sys.stderr, flush=True)
        results = sorted((run_method(method, pdf) for _ in range(runs)), key=lambda r: r["seconds"])
        result = dict(results[len(results) // 2])  # the median run
        result["runs_seconds"] = [r["seconds"] for r in results]
        result["pages_per_second"] = result["pages"] / result["seconds"]
        rows.append(result)
    print(f"\n{pdf.name}: {rows[0]['pages']} pages, {os.cpu_count()} cores, Python {platform.python_version()}\n")
    print("| method | pages/s | seconds | peak memory (MB) |")
    print("|---|---:|---:|---:|")
    for row in rows:
        print(f"| {METHODS[row['method']]} | {row['pages_per_second']:.1f} | {row['seconds']:.1f} | {row['peak_mb']:.0f} |")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench_ingest.json").write_text(
        json.dumps({"pdf": pdf.name, "time": time.strftime("%Y-%m-%d %H:%M"), "cores": os.cpu_count(), "results": rows}, indent=1),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
