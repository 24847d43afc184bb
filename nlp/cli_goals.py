"""``rapport goals``: goals, their assessments and indicators, one record per goal."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from typing import Any, TextIO

from .errors import InputError
from .reports import ReportLoader

CSV_FIELDS = ["doc", "municipality", "organisation", "district", "year", "report_type", "kind", "number", "goal", "parent", "parent_number",
              "assessment", "assessment_source", "assessment_text", "page", "indicators"]


def _indicators_cell(indicators: list[dict[str, Any]]) -> str:
    """Indicators in one CSV cell: "name: outcome → target (period)" joined by "; "."""
    parts = []
    for ind in indicators:
        figures = " → ".join(v for v in (ind.get("outcome"), ind.get("target")) if v)
        period = f" ({ind['period']})" if ind.get("period") else ""
        parts.append(f"{ind['name']}: {figures or '–'}{period}")
    return "; ".join(parts)


def write_goals(records: list[dict[str, Any]], out: TextIO, fmt: str) -> None:
    if fmt == "jsonl":
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore")
        writer.writeheader()
        for record in records:
            writer.writerow({**record, "indicators": _indicators_cell(record["indicators"])})
    else:
        if not records:
            out.write("(no goals found)\n")
            return
        header = ("report", "kind", "number", "assessment", "indicators", "goal")
        rows = [(f"{r['district'] or r['doc']} {r['year'] or ''}".strip(), r["kind"], r["number"] or "–",
                 r["assessment"] or "–", str(len(r["indicators"])), r["goal"]) for r in records]
        widths = [max(len(header[i]), *(len(row[i]) for row in rows)) for i in range(5)]
        out.write("  ".join(h.ljust(w) for h, w in zip(header, widths)) + "  goal\n")
        for row in rows:
            goal = row[5] if len(row[5]) <= 90 else row[5][:89] + "…"
            out.write("  ".join(c.ljust(w) for c, w in zip(row[:5], widths)) + "  " + goal + "\n")


def cmd_goals(args: argparse.Namespace) -> int:
    from .goals import goal_records

    loader = ReportLoader(args.paths)
    records = list(goal_records(loader))
    if not records and loader.skipped and len(loader.skipped) == len(loader.files()):
        raise InputError("none of the given reports could be read.")
    for key in ("kind", "assessment"):
        wanted = getattr(args, key)
        if wanted:
            records = [r for r in records if (r[key] or "none") == wanted]
    out = open(args.out, "w", encoding="utf-8", newline="") if args.out else sys.stdout
    try:
        write_goals(records, out, args.format)
    finally:
        if args.out:
            out.close()
    return loader.exit_code


def register(sub: argparse._SubParsersAction, formatter: type) -> None:
    from .goals import ASSESSMENTS, KINDS

    p = sub.add_parser(
        "goals", help="Goals, their assessments and indicators, one record per goal.",
        description="The goal hierarchy of follow-up reports (KF:s inriktningsmål → KF:s mål för "
                    "verksamhetsområdet → nämndmål), each goal with its assessment (helt / delvis / inte, from "
                    "the \"Uppfylls …\" line or the analysis sentence) and its indicator rows.",
        epilog="Examples:\n  rapport goals corpora/ --format table\n"
               "  rapport goals report.pdf --format jsonl\n"
               "  rapport goals corpora/ --format csv --out goals.csv --kind nämndmål",
        formatter_class=formatter)
    p.add_argument("paths", nargs="+", metavar="PATH", help="report files or folders")
    p.add_argument("--format", choices=("jsonl", "csv", "table"), default="table",
                   help="jsonl: {goal, number, kind, parent, assessment, assessment_source, page, doc, district, "
                        "year, indicators: [{name, outcome, forecast, target, period}]}")
    p.add_argument("--kind", choices=KINDS, help="only goals of this kind")
    p.add_argument("--assessment", choices=(*ASSESSMENTS, "none"), help="only goals with this assessment")
    p.add_argument("--out", help="write to this file instead of standard output")
    p.set_defaults(handler=cmd_goals)
