"""``rapport index``, ``rapport search`` and ``rapport similar``: thin layers over ``nlp.search``."""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError, RapportError
from .defaults import DEFAULT_INDEX

if TYPE_CHECKING:
    from .search import Filters, Hit, Index

MODES = ("hybrid", "bm25", "dense")


def _analyzer(no_themes: bool) -> Any:
    """The analysis stage the index reads theme labels and program names from (None: nothing to run)."""
    from .analysis import Analyzer

    disable = ["goals"] + (["themes"] if no_themes else [])
    try:
        return Analyzer.from_config(disable=disable)
    except RapportError as exc:
        sys.stderr.write(f"rapport: {exc}; passages are indexed without theme labels and programs\n")
        return None


def cmd_index(args: argparse.Namespace) -> int:
    from .reports import ReportLoader
    from .search import Index

    index = Index.open(args.index, create=not (args.remove or args.list))
    if args.list:
        for entry in index.documents():
            state = f"\tDAMAGED: {index.damaged[entry['doc']]}" if entry["doc"] in index.damaged else ""
            sys.stdout.write(f"{entry['doc']}\t{entry.get('district')}\t{entry.get('year')}\t"
                             f"{entry.get('report_type')}\t{entry['count']} passages{state}\n")
        return 1 if index.damaged else 0
    if args.remove:
        failed = 0
        for doc_id in args.remove:
            if index.remove(doc_id):
                sys.stderr.write(f"removed {doc_id}\n")
            else:
                sys.stderr.write(f"rapport: {doc_id}: not in the index\n")
                failed += 1
        return 1 if failed else 0
    if not args.paths:
        raise InputError("give reports or folders to index (or --remove DOC / --list).")
    _warn_damaged(index)
    analyzer = _analyzer(args.no_themes)
    state = {"prefix": ""}  # "[n/total] name" of the file being read, for the status line

    def progress(n: int, total: int, path: Any) -> None:
        state["prefix"] = f"[{n}/{total}] {path.name}"

    loader = ReportLoader(args.paths, progress=progress, ocr=args.ocr)
    for document in loader:
        try:
            if analyzer is not None and not index.has_document(document.content_hash):
                analyzer(document)
            added = index.add_document(document)
        except RapportError as exc:
            loader.skip(Path(document.source_path), str(exc))
            continue
        sys.stderr.write(f"{state['prefix']}: {'added as ' + document.id if added else 'already indexed'}"
                         f" ({len([b for b in document.blocks if b.is_passage])} passages)\n")
    total = sum(e["count"] for e in index.documents())
    sys.stderr.write(f"index {args.index}: {len(index.documents())} reports, {total} passages"
                     f"{', dense vectors: ' + str(index.manifest.get('encoder')) if index.manifest.get('encoder') else ', lexical only'}\n")
    return loader.exit_code


def _warn_damaged(index: Index) -> None:
    report = index.damage_report()
    if report:
        sys.stderr.write(f"rapport: warning: {report}\n")


def _filters(args: argparse.Namespace) -> Filters:
    from .search import Filters

    if args.year is not None and args.years:
        raise InputError("give --year or --years, not both.")
    return Filters(district=args.district, year=args.year, years=Filters.parse_years(args.years),
                   report_type=args.report_type, theme=args.theme, program=getattr(args, "program", None))


def _highlight(text: str, matched: list[str], tty: bool) -> str:
    if not matched:
        return text
    pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in sorted(matched, key=len, reverse=True)) + r")(?![\w-])",
                         re.IGNORECASE)
    return pattern.sub((lambda m: f"\x1b[1;33m{m.group(0)}\x1b[0m") if tty else (lambda m: f"«{m.group(0)}»"), text)


def _print(hits: list[Hit], fmt: str) -> None:
    if fmt == "jsonl":
        for hit in hits:
            sys.stdout.write(json.dumps(hit.to_record(), ensure_ascii=False) + "\n")
        return
    if not hits:
        sys.stdout.write("Inga träffar.\n")
        return
    tty = sys.stdout.isatty()
    width = min(shutil.get_terminal_size((100, 20)).columns, 120)
    for hit in hits:
        p = hit.passage
        where = f"{p.district or '?'} {p.year or ''} · {p.report_type or ''} · s. {p.page or '?'}"
        section = " › ".join(p.section[-2:])
        sys.stdout.write(f"{hit.rank:>2}. [{hit.score:.3f}] {where} · {p.id}\n")
        if section:
            sys.stdout.write(f"    {section[: width - 4]}\n")
        for line in textwrap.wrap(hit.snippet, width - 4):
            sys.stdout.write(f"    {_highlight(line, hit.matched, tty)}\n")
        sys.stdout.write("\n")


def cmd_search(args: argparse.Namespace) -> int:
    query = " ".join(args.query) if isinstance(args.query, list) else args.query
    from .search import Index

    index = Index.open(args.index)
    _warn_damaged(index)
    hits = index.search(query, top_k=args.top_k, mode=args.mode, filters=_filters(args))
    _print(hits, args.format)
    return 0


def cmd_similar(args: argparse.Namespace) -> int:
    if bool(args.passage_id) == bool(args.like):
        raise InputError("give a PASSAGE_ID (e.g. 'sodermalm_2020_tertialrapport-1#42') or --like \"text\", not both.")
    from .search import Index

    index = Index.open(args.index)
    _warn_damaged(index)
    hits = index.similar(passage_id=args.passage_id, text=args.like, top_k=args.top_k, filters=_filters(args),
                         include_same_document=args.same_document)
    _print(hits, args.format)
    return 0


def _add_filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index", default=str(DEFAULT_INDEX), help=f"index folder (default: {DEFAULT_INDEX})")
    p.add_argument("--top-k", type=int, default=10)
    p.add_argument("--district", help='e.g. "Södermalm"')
    p.add_argument("--year", type=int)
    p.add_argument("--years", help="a range such as 2019-2024")
    p.add_argument("--report-type", help="tertialrapport, verksamhetsberättelse, …")
    p.add_argument("--theme", help="trygghet, klimat, aldreomsorg, covid19, …")
    p.add_argument("--program", help="only passages naming this program (canonical name)")
    p.add_argument("--format", choices=("jsonl", "table"), default="table")


def register(sub: argparse._SubParsersAction, formatter: type) -> None:
    p = sub.add_parser("index", help="Build or update the search index (incremental; same file twice adds nothing).",
                       description="Ingest reports (PDF or text) and add their passages to a persistent search index.",
                       epilog="Examples:\n  rapport index corpora/ --index .rapport/index\n"
                              "  rapport index --remove sodermalm_2020_tertialrapport-1\n  rapport index --list",
                       formatter_class=formatter)
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.add_argument("--index", default=str(DEFAULT_INDEX), help=f"index folder (default: {DEFAULT_INDEX})")
    p.add_argument("--remove", nargs="+", metavar="DOC", help="remove reports (by document id) from the index")
    p.add_argument("--list", action="store_true", help="list the indexed reports")
    p.add_argument("--no-themes", action="store_true", help="do not tag passages with themes")
    from .cli import add_ocr_option

    add_ocr_option(p)
    p.set_defaults(handler=cmd_index)

    p = sub.add_parser("search", help="Search passages across years and districts (hybrid BM25 + dense).",
                       description="Swedish search over indexed reports: BM25 with stemming and compound "
                                   "splitting, multilingual E5 embeddings, and a weighted fusion of both.",
                       epilog='Examples:\n  rapport search "insatser mot ensamhet bland pensionärer"\n'
                              '  rapport search klimatinvesteringar --district Södermalm --format jsonl\n'
                              '  rapport search "trygghet i parker" --years 2019-2025 --mode bm25',
                       formatter_class=formatter)
    p.add_argument("query", nargs="+", metavar="QUERY")
    p.add_argument("--mode", choices=MODES, default="hybrid")
    _add_filters(p)
    p.set_defaults(handler=cmd_search)

    p = sub.add_parser("similar", help="The same or similar passage in other reports, years and districts.",
                       description="Passages most like a given passage (by id) or a text, by embedding similarity.",
                       epilog='Examples:\n  rapport similar "sodermalm_2020_tertialrapport-1#42"\n'
                              '  rapport similar --like "Förvaltningen har genomfört trygghetsvandringar" --format jsonl',
                       formatter_class=formatter)
    p.add_argument("passage_id", nargs="?", metavar="PASSAGE_ID")
    p.add_argument("--like", metavar="TEXT", help="find passages like this text")
    p.add_argument("--same-document", action="store_true", help="also show passages of the same report")
    _add_filters(p)
    p.set_defaults(handler=cmd_similar)
