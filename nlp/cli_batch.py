"""``rapport tag`` (batch theme tagging to Parquet/CSV, local or Dask) and ``rapport trends``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import InputError


def cmd_tag(args: argparse.Namespace) -> int:
    from .batch import run

    if args.workers is not None and args.workers < 1:
        raise InputError("--workers must be at least 1.")
    if args.scheduler and args.engine != "dask":
        raise InputError("--scheduler needs --engine dask.")
    result = run(args.paths, args.out, ocr=args.ocr, fmt=args.format, engine=args.engine, workers=args.workers,
                 scheduler=args.scheduler)
    minutes = result.seconds / 60 if result.seconds else 0
    rate = f", {result.pages / minutes:,.0f} pages/min" if minutes and result.pages else ""
    sys.stderr.write(f"tagged {result.done} report(s) ({result.pages} pages, {result.passages} passages) "
                     f"in {result.seconds:.1f} s{rate}; {result.skipped} already done; {len(result.failed)} failed"
                     f"{' (see ' + str(Path(args.out) / 'errors.csv') + ')' if result.failed else ''}\n")
    return 1 if result.failed else 0


def cmd_trends(args: argparse.Namespace) -> int:
    from .batch import trend_rows, trends_table
    from .trends import save_chart

    rows = trend_rows(args.dir)
    themes = list(rows[0].shares)
    table = trends_table(rows)
    out = save_chart(args.out, rows, themes)
    sys.stdout.write(table.to_string(index=False, float_format=lambda v: f"{v:.3f}") + "\n")
    sys.stderr.write(f"chart: {out}\n")
    return 0


def register(sub: argparse._SubParsersAction, formatter: type) -> None:
    p = sub.add_parser(
        "tag", help="Tag every passage of a corpus with themes and programs, to Parquet or CSV (resumable).",
        description="Batch theme tagging: PATH = report files, folders or a manifest CSV (file, district, year, "
                    "report_type). Writes OUT/passages.parquet, OUT/goals.parquet, OUT/documents.parquet and OUT/errors.csv. "
                    "A killed run continues where it stopped; a rerun adds no duplicates.",
        epilog="Examples:\n  rapport tag corpora/ --out tagged/\n"
               "  rapport tag reports/manifest.csv --out tagged/ --engine dask --workers 2\n"
               "  rapport tag reports/ --out tagged/ --engine dask --scheduler tcp://10.0.0.5:8786",
        formatter_class=formatter)
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    from .cli import add_ocr_option

    add_ocr_option(p)
    p.add_argument("--engine", choices=("local", "dask"), default="local")
    p.add_argument("--workers", type=int, help="Dask LocalCluster workers (default: CPU cores)")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="an existing Dask scheduler")
    p.set_defaults(handler=cmd_tag)

    p = sub.add_parser(
        "trends", help="Theme share per district and year from a `rapport tag` output, as a table and a chart.",
        description="Theme share (by words) per district and year, printed as a table and drawn as a chart.",
        epilog="Examples:\n  rapport trends tagged/ --out trends.html\n  rapport trends tagged/ --out trends.png",
        formatter_class=formatter)
    p.add_argument("dir", metavar="DIR")
    p.add_argument("--out", default="trends.html", help="trends.html (table + chart) or trends.png")
    p.set_defaults(handler=cmd_trends)
