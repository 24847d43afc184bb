"""Benchmark: start-up of the ``rapport`` command (issue #19).

Each case runs N times as its own process (median and min wall time, peak RSS of the
process from ``wait4``): a bare ``python -c pass`` as the floor, ``rapport --version``,
``rapport --help`` and ``rapport segment`` on a generated 6-page PDF (JSONL to /dev/null).
Prints a Markdown table and writes ``evaluation/benchmarks/results/bench_startup.json``.

    python -m evaluation.benchmarks.scripts.bench_startup [--runs 7] [--pdf PATH]

The machine may be busy: the figures are wall-clock times under whatever load there is.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from evaluation.paths import ROOT, results, scratch

RESULTS = results("benchmarks")
TARGET_PAGES = 6


def rapport_command() -> list[str]:
    """The installed console script beside this interpreter, else ``python -m nlp``."""
    script = Path(sys.executable).with_name("rapport")
    return [str(script)] if script.exists() else [sys.executable, "-m", "nlp"]


def six_page_pdf(out_dir: Path) -> Path:
    """A generated report with exactly six pages (the generator's page count is approximate)."""
    import pypdfium2 as pdfium

    out_dir.mkdir(parents=True, exist_ok=True)
    for path in sorted(out_dir.glob("*.pdf")):
        if len(pdfium.PdfDocument(path)) == TARGET_PAGES:
            return path
    for seed in range(1, 40):
        for pages in (TARGET_PAGES, TARGET_PAGES - 1, TARGET_PAGES + 1):
            target = out_dir / f"seed{seed}-p{pages}"
            subprocess.run([sys.executable, "-m", "evaluation.common.generate_pdfs", "--out", str(target.resolve()),
                            "--count", "1", "--pages", str(pages), "--seed", str(seed)], check=True, capture_output=True,
                           cwd=ROOT)
            pdf = sorted(target.glob("*.pdf"))[0]
            if len(pdfium.PdfDocument(pdf)) == TARGET_PAGES:
                final = out_dir / f"six-pages-seed{seed}.pdf"
                pdf.replace(final)
                return final
    raise SystemExit("could not generate a 6-page PDF")


def run_once(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one process."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as null:
        proc = subprocess.Popen(command, stdout=null, stderr=null, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0,):
        raise SystemExit(f"{' '.join(command)} exited with {proc.returncode}")
    return seconds, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--pdf", type=Path, help="the PDF for `rapport segment` (default: a generated 6-page one)")
    args = parser.parse_args()
    pdf = args.pdf or six_page_pdf(scratch("bench-startup"))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    rapport = rapport_command()
    cases = [
        ("python -c pass", [sys.executable, "-c", "pass"]),
        ("rapport --version", rapport + ["--version"]),
        ("rapport --help", rapport + ["--help"]),
        (f"rapport segment ({TARGET_PAGES}-page PDF)", rapport + ["segment", str(pdf)]),
    ]
    rows = []
    for name, command in cases:
        run_once(command, env)  # warm the file cache
        runs = [run_once(command, env) for _ in range(args.runs)]
        walls = [w for w, _ in runs]
        rows.append({"case": name, "command": command, "runs": args.runs, "median_s": statistics.median(walls),
                     "min_s": min(walls), "max_s": max(walls), "peak_rss_mb": max(r for _, r in runs)})
    floor = rows[0]["median_s"]
    for row in rows:
        row["x_python"] = row["median_s"] / floor
    load = os.getloadavg()
    print(f"\n{args.runs} runs each, {os.cpu_count()} cores, load average {load[0]:.2f}, Python {platform.python_version()}\n")
    print("| case | median (s) | min (s) | × python -c pass | peak RSS (MB) |")
    print("|---|---:|---:|---:|---:|")
    for row in rows:
        print(f"| {row['case']} | {row['median_s']:.3f} | {row['min_s']:.3f} | {row['x_python']:.1f} | {row['peak_rss_mb']:.0f} |")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench_startup.json").write_text(json.dumps({
        "time": time.strftime("%Y-%m-%d %H:%M"), "cores": os.cpu_count(), "load_average": load,
        "python": platform.python_version(), "pdf": pdf.name, "note": "wall-clock times on a shared machine, under load",
        "results": rows}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
