"""``rapport reuse``: reused text between reports, boilerplate within one, corpus-wide."""

from __future__ import annotations

import argparse
import contextlib
import csv
import html
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InputError
from .model import Document
from .reports import ReportLoader
from .store import DocumentStore

if TYPE_CHECKING:
    from .reuse import ReuseConfig, ReuseReport

RECORD_FIELDS = ["text", "doc", "page", "section", "source_text", "source_doc", "source_page", "similarity", "kind"]


def _load_many(paths: list[str]) -> tuple[list[Document], list[str]]:
    """Documents from files and folders; a bad file is reported and skipped."""
    loader = ReportLoader(paths, require_files=False)
    documents = loader.load()
    return documents, [f"{s.path}: {s.reason}" for s in loader.skipped]


def _config(args: argparse.Namespace) -> ReuseConfig:
    from .reuse import ReuseConfig

    config = ReuseConfig()
    if args.min_similarity is not None:
        if not 0 < args.min_similarity <= 1:
            raise InputError("--min-similarity must be between 0 and 1.")
        config.min_similarity = args.min_similarity
    if args.min_words is not None:
        if args.min_words < 2:
            raise InputError("--min-words must be at least 2.")
        config.min_words = config.sentence_min_words = args.min_words
    return config


def _out(args: argparse.Namespace):  # noqa: ANN202 - a context manager giving a text stream
    # stdout is lent, never closed: a closed stdout breaks whatever writes after us
    return open(args.out, "w", encoding="utf-8", newline="") if args.out else contextlib.nullcontext(sys.stdout)


def render_html(new: Document, result: ReuseReport) -> str:
    """Side by side: each passage of the new report, its source and the differences."""
    from .reuse import passages, side_by_side

    from .charts import html_page

    by_block: dict[int, list] = defaultdict(list)
    for match in result.matches:
        by_block[match.block].append(match)
    rows = []
    for index, block in passages(new):
        page = f"s. {block.page}" if block.page else ""
        matches = by_block.get(index)
        if not matches:
            rows.append(f'<tr class="new"><td>{html.escape(block.text)}<div class="meta">{page} · ny text</div></td><td></td></tr>')
            continue
        for match in matches:
            left, right = side_by_side(match.text if match.kind == "sentence" else block.text, match.source_text,
                                       match.kind, passage=block.text)
            source_page = f"s. {match.source_page}" if match.source_page else ""
            rows.append(
                f'<tr class="{match.kind}"><td>{left}<div class="meta">{page} · {match.kind} · likhet {match.similarity:.2f}</div></td>'
                f'<td>{right}<div class="meta">{html.escape(match.source_doc)} {source_page}</div></td></tr>')
    summary = (f"<p>Återanvänd andel av texten: <strong>{result.reused_share:.1%}</strong> "
               f"({result.reused_words} av {result.total_words} ord). Källor: "
               + ", ".join(f"{html.escape(d)} ({share:.1%})" for d, share in result.sources.items()) + "</p>")
    style = ("<style>td{vertical-align:top;text-align:left;width:50%}tr.new td:first-child{background:#fff}"
             "tr.exact td{background:#fde2e2}tr.near td{background:#fff1d6}tr.sentence td{background:#eef3ff}"
             "ins{background:#b7f5c5;text-decoration:none}del{background:#f7c1c1}mark{background:#ffe066}"
             ".meta{color:#555;font-size:80%;margin-top:4px}</style>")
    legend = ('<p>Röd: ordagrann kopia · orange: lätt redigerad · blå: kopierad mening · vit: ny text. '
              '<ins>grönt</ins> = ändrat i nya texten, <del>rött</del> = borttaget ur källan.</p>')
    table = (f"{style}{summary}{legend}<table><thead><tr><th scope='col'>{html.escape(new.id)}</th>"
             f"<th scope='col'>Källa</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")
    return html_page(f"Återanvänd text i {new.id}", table)


def cmd_reuse(args: argparse.Namespace) -> int:
    from .ingest import load_document
    from .reuse import boilerplate, compare

    config = _config(args)
    if args.index:
        if args.format == "html" and not args.out:
            args.out = "reuse.html"
        return _corpus(args, config)
    if not args.paths:
        raise InputError("give a report (and --against OLD...), or --index DIR for the whole corpus.")
    args.format = args.format or "jsonl"
    if args.format == "table":
        raise InputError("--format table is for --index DIR; for reports use jsonl, json, csv or html.")
    if args.against:
        if len(args.paths) != 1:
            raise InputError("compare one report at a time: rapport reuse NEW --against OLD...")
        new = load_document(args.paths[0])
        olds, failures = _load_many(args.against)
        if not olds:
            raise InputError("none of the --against reports could be read.")
        result = compare(new, olds, config)
        with _out(args) as out:
            if args.summary:
                out.write(json.dumps(result.summary(), ensure_ascii=False, indent=1 if args.format != "jsonl" else None) + "\n")
            elif args.format == "html":
                out.write(render_html(new, result))
            elif args.format == "csv":
                writer = csv.DictWriter(out, fieldnames=RECORD_FIELDS)
                writer.writeheader()
                for match in result.matches:
                    record = match.to_record()
                    record["section"] = " > ".join(record["section"])
                    writer.writerow(record)
            else:
                for match in result.matches:
                    out.write(json.dumps(match.to_record(), ensure_ascii=False) + "\n")
        return 1 if failures else 0
    # one report: boilerplate clusters within it
    loader = ReportLoader(args.paths)
    with _out(args) as out:
        for document in loader:
            clusters = boilerplate(document, config)
            if args.format == "html":
                from .charts import html_page, html_table

                out.write(html_page(f"Upprepad text i {document.id}", html_table(
                    ["antal", "mening", "avsnitt"],
                    [[str(c.count), c.text, "; ".join(c.sections[:5])] for c in clusters])))
            elif args.format == "csv":
                writer = csv.writer(out)
                writer.writerow(["doc", "count", "text", "sections", "pages"])
                for c in clusters:
                    writer.writerow([document.id, c.count, c.text, " | ".join(c.sections), " ".join(str(p) for p in c.pages)])
            else:
                for c in clusters:
                    out.write(json.dumps({"doc": document.id, **c.to_record()}, ensure_ascii=False) + "\n")
    return loader.exit_code


def _corpus(args: argparse.Namespace, config: ReuseConfig) -> int:
    from .reuse import corpus_reuse

    from .charts import grouped_bar_svg, html_page, html_table, save_bar_png

    store = DocumentStore(args.index)
    if not store.catalog_path.exists():
        raise InputError(f"{args.index}: no document store here; create it with `rapport ingest PATH --store {args.index}`.")
    documents = list(store.documents())
    if not documents:
        raise InputError(f"{args.index}: the store is empty.")
    tty = sys.stderr.isatty()

    def progress(stage: str, done: int, total: int) -> None:
        if tty:
            sys.stderr.write(f"\r\x1b[K{stage} {done}/{total}")
        elif done == total or done % 50 == 0:
            sys.stderr.write(f"{stage} {done}/{total}\n")

    reports = corpus_reuse(documents, config, progress)
    if tty:
        sys.stderr.write("\r\x1b[K")
    meta = {d.id: d for d in documents}
    rows = sorted(reports, key=lambda r: (meta[r.doc].year or 0, meta[r.doc].district or "", r.doc))
    out = sys.stdout
    fmt = args.format or "table"
    records = [{"doc": r.doc, "district": meta[r.doc].district, "year": meta[r.doc].year,
                "report_type": meta[r.doc].report_type, "words": r.total_words,
                "reused_share": round(r.reused_share, 4), "sources": r.sources} for r in rows]
    if fmt == "json":
        out.write(json.dumps({"reports": records}, ensure_ascii=False, indent=1) + "\n")
    elif fmt == "jsonl":
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=list(records[0]))
        writer.writeheader()
        for record in records:
            writer.writerow({**record, "sources": json.dumps(record["sources"], ensure_ascii=False)})
    else:
        out.write("report | district | year | reused share | main sources\n")
        for r in rows:
            d = meta[r.doc]
            sources = ", ".join(f"{s} {v:.0%}" for s, v in list(r.sources.items())[:3])
            out.write(f"{r.doc} | {d.district or '–'} | {d.year or '–'} | {r.reused_share:.1%} | {sources}\n")
    chart = Path(args.out or "reuse.html")
    labels = [f"{meta[r.doc].district or r.doc} {meta[r.doc].year or ''}".strip() for r in rows]
    series = {"återanvänd andel": [r.reused_share for r in rows]}
    title = "Återanvänd andel av rapporttexten per rapport och år"
    if chart.suffix.lower() == ".png":
        save_bar_png(chart, labels, series, title)
    else:
        table = html_table(["rapport", "stadsdel", "år", "återanvänd andel", "främsta källor"],
                           [[r.doc, meta[r.doc].district or "–", str(meta[r.doc].year or "–"), f"{r.reused_share:.1%}",
                             ", ".join(f"{s} {v:.0%}" for s, v in list(r.sources.items())[:3])] for r in rows])
        chart.write_text(html_page(title, grouped_bar_svg(labels, series, title) + table), encoding="utf-8")
    if fmt == "table":
        out.write(f"\nchart: {chart}\n")
    else:  # stdout carries the data
        sys.stderr.write(f"chart: {chart}\n")
    return 0


def register(sub: argparse._SubParsersAction, formatter: type) -> None:
    p = sub.add_parser(
        "reuse", help="Reused and boilerplate text between and within reports.",
        description="Reused text: NEW --against OLD... (passages copied or lightly edited, sentences copied); "
                    "one report alone: boilerplate repeated within it; --index DIR: the whole corpus.",
        epilog="Examples:\n  rapport reuse new.pdf --against old.pdf --format html --out reuse.html\n"
               "  rapport reuse new.pdf --against old/ --summary --format json\n"
               "  rapport reuse report.pdf\n  rapport reuse --index .rapport/store --out reuse.html",
        formatter_class=formatter)
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.add_argument("--against", nargs="+", metavar="OLD", help="earlier or other reports (files or folders)")
    p.add_argument("--index", metavar="DIR", help="a document store (from `rapport ingest`): corpus-wide reuse")
    p.add_argument("--format", choices=("jsonl", "csv", "html", "json", "table"), default=None,
                   help="jsonl (default for reports), table (default for --index), json, csv, html")
    p.add_argument("--summary", action="store_true", help="reused share overall, by section and by source")
    p.add_argument("--out", help="write to this file (html and charts); default: stdout / reuse.html")
    p.add_argument("--min-similarity", type=float, help="passage similarity that counts as reuse (default 0.6)")
    p.add_argument("--min-words", type=int, help="shorter passages and sentences are ignored (default 8)")
    p.set_defaults(handler=cmd_reuse)
