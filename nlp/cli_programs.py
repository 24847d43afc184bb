"""``rapport programs``: named programs and initiatives in reports, linked across them."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from .errors import InputError
from .reports import ReportLoader
from .model import Document

CSV_FIELDS = ["name", "kind", "aliases", "count", "reports"]


def _reports_label(program) -> str:  # noqa: ANN001 - nlp.programs.Program
    """"Södermalm 2020 (3); Norra innerstaden 2025 (1)": district, year and mention count."""
    parts = []
    for report in program.reports():
        label = " ".join(str(x) for x in (report["district"], report["year"]) if x is not None) or report["doc"]
        parts.append(f"{label} ({report['count']})")
    return "; ".join(parts)


def _load(paths: list[str]) -> tuple[list[Document], int]:
    loader = ReportLoader(paths)
    documents = loader.load()
    return documents, len(loader.skipped)


def cmd_programs(args: argparse.Namespace) -> int:
    documents, failures = _load(args.paths)
    if not documents:
        raise InputError("none of the given reports could be read.")
    from .programs import build_registry  # imported lazily: spaCy and the model load only here

    registry = build_registry(documents)
    out = open(args.out, "w", encoding="utf-8", newline="") if args.out else sys.stdout
    try:
        if args.format == "json":
            out.write(json.dumps(registry.to_records(), ensure_ascii=False, indent=1) + "\n")
        elif args.format == "csv":
            writer = csv.DictWriter(out, fieldnames=CSV_FIELDS)
            writer.writeheader()
            for program in registry:
                writer.writerow({"name": program.name, "kind": program.kind, "aliases": ";".join(program.aliases),
                                 "count": program.count, "reports": _reports_label(program)})
        else:
            rows = [(p.name, p.kind, str(p.count), _reports_label(p)) for p in registry]
            header = ("name", "kind", "count", "reports")
            widths = [min(60, max([len(header[i])] + [len(r[i]) for r in rows])) for i in range(3)]
            out.write("  ".join(h.ljust(w) for h, w in zip(header[:3], widths)) + "  " + header[3] + "\n")
            for row in rows:
                name = row[0] if len(row[0]) <= widths[0] else row[0][: widths[0] - 1] + "…"
                out.write(f"{name.ljust(widths[0])}  {row[1].ljust(widths[1])}  {row[2].rjust(widths[2])}  {row[3]}\n")
            if not rows:
                out.write("(no programs found)\n")
    finally:
        if args.out:
            out.close()
    if args.save:
        registry.save(Path(args.save))
    return 1 if failures else 0


def register(sub: argparse._SubParsersAction, formatter: type) -> None:
    p = sub.add_parser(
        "programs", help="Named programs, projects and methods in reports, linked across reports.",
        description="Extract named programs and initiatives (\"Bryt upp\", \"Matlyftet\", \"Program för öppen "
                    "förskola\"), normalise their spellings and link them across the given reports.",
        epilog="Examples:\n  rapport programs corpora/ --format table\n"
               "  rapport programs a.pdf b.pdf --format json --save programs.json\n"
               "  rapport programs corpora/ --format csv --out programs.csv",
        formatter_class=formatter)
    p.add_argument("paths", nargs="+", metavar="PATH", help="report files or folders")
    p.add_argument("--format", choices=("json", "csv", "table"), default="table",
                   help="json: [{name, aliases, kind, mentions: [{doc, district, year, page, sentence}], count}]")
    p.add_argument("--out", help="write to this file instead of standard output")
    p.add_argument("--save", help="also save the full registry (with per-report pages) as JSON here")
    p.set_defaults(handler=cmd_programs)
