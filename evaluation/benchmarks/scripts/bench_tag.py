"""Benchmark: `rapport tag` end to end on a generated corpus, 1 and 2 workers.

Generates ``--reports`` report PDFs with ``evaluation/common/generate_pdfs.py`` (corpus text,
real layout: running headers, hyphenation, tables; once, cached under evaluation/out),
then runs ``rapport tag`` as a fresh process for each configuration and measures wall
time (model loading included), pages per minute and the peak memory of the whole process
tree (Dask workers included), sampled every 0.2 s.

    python -m evaluation.benchmarks.scripts.bench_tag --reports 200 --pages 6
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import psutil

from evaluation.paths import CORPORA, results, scratch


def _generate(args: tuple[Path, int, int]) -> int:
    from evaluation.common.generate_pdfs import build_pdf, load_material

    path, seed, pages = args
    if not path.exists():
        build_pdf(path, seed, pages, load_material(CORPORA))
    import pypdfium2

    return len(pypdfium2.PdfDocument(str(path)))


def measure(cmd: list[str]) -> tuple[float, float]:
    start = time.perf_counter()
    process = psutil.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = 0
    while process.poll() is None:
        try:
            tree = [process] + process.children(recursive=True)
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.2)
    seconds = time.perf_counter() - start
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed: {process.stderr.read()[-2000:]}")
    return seconds, peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--pages", type=int, default=6)
    parser.add_argument("--work", default=str(scratch("bench-tag")))
    args = parser.parse_args()
    corpus = Path(args.work) / f"corpus-{args.reports}x{args.pages}"
    corpus.mkdir(parents=True, exist_ok=True)
    jobs = [(corpus / f"report-{n:04d}.pdf", 5000 + n, args.pages) for n in range(args.reports)]
    started = time.perf_counter()
    with ProcessPoolExecutor(2) as pool:
        pages = sum(pool.map(_generate, jobs, chunksize=4))
    print(f"corpus: {args.reports} reports, {pages} pages ({time.perf_counter() - started:.0f} s to generate or check)")
    rapport = [sys.executable, "-m", "nlp", "tag", str(corpus)]
    rows = []
    for name, extra in (("local, 1 worker", ["--engine", "local"]),
                        ("dask LocalCluster, 1 worker", ["--engine", "dask", "--workers", "1"]),
                        ("dask LocalCluster, 2 workers", ["--engine", "dask", "--workers", "2"])):
        out = Path(args.work) / "out"
        shutil.rmtree(out, ignore_errors=True)
        seconds, peak = measure(rapport + ["--out", str(out)] + extra)
        rows.append({"run": name, "seconds": seconds, "pages": pages, "pages_per_minute": pages / seconds * 60,
                     "peak_mb": peak})
        print(f"{name}: {seconds:.1f} s, {pages / seconds * 60:,.0f} pages/min, peak {peak:,.0f} MB", flush=True)
    print("\n| run | reports | pages | seconds | pages/min | peak memory (MB) |")
    print("|---|---:|---:|---:|---:|---:|")
    for row in rows:
        print(f"| {row['run']} | {args.reports} | {pages} | {row['seconds']:.1f} | {row['pages_per_minute']:,.0f} "
              f"| {row['peak_mb']:,.0f} |")
    target = results("benchmarks")
    target.mkdir(parents=True, exist_ok=True)
    (target / "bench_tag.json").write_text(json.dumps({"reports": args.reports, "pages": pages, "runs": rows},
                                                       indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
