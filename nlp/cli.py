"""The ``rapport`` command line: a thin layer over the Python API."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Callable, Sequence

from . import __version__
from .errors import RapportError
from .reports import ReportLoader
from .ingest.metadata import Manifest
from .model import BlockType, Document
from .store import DEFAULT_STORE, DocumentStore

Handler = Callable[[argparse.Namespace], int]


def _write(text: str) -> None:
    sys.stdout.write(text)


def _notes(document: Document) -> None:
    """What the reader did that a user should know (OCR, a guessed encoding), on stderr."""
    for warning in document.warnings:
        sys.stderr.write(f"rapport: note: {document.id}: {warning}\n")


# -- segment --------------------------------------------------------------------------
def render_markdown(document: Document) -> str:
    out: list[str] = []
    for block in document.blocks:
        if block.type is BlockType.HEADING:
            out.append("#" * min(block.level or 6, 6) + " " + block.text)
        elif block.type is BlockType.LIST_ITEM:
            out.append("- " + block.text)
        elif block.type is BlockType.TOC and block.rows:
            heading = block.text.split("\n", 1)[0] if len(block.text.split("\n")) > len(block.rows) else None
            out.extend([f"**{heading}**", ""] if heading else [])
            out.extend(f"- {title} … {page}" for title, page in block.rows)
        elif block.type is BlockType.TABLE and block.rows:
            width = max(len(r) for r in block.rows)
            rows = [r + [""] * (width - len(r)) for r in block.rows]
            cell = lambda s: s.replace("|", "\\|")  # noqa: E731
            out.append("| " + " | ".join(cell(c) for c in rows[0]) + " |")
            out.append("|" + " --- |" * width)
            out.extend("| " + " | ".join(cell(c) for c in r) + " |" for r in rows[1:])
        else:
            out.append(block.text)
        out.append("")
    return "\n".join(out)


def render_text(document: Document) -> str:
    return "\n\n".join(b.text for b in document.blocks) + "\n"


def cmd_segment(args: argparse.Namespace) -> int:
    from .ingest import load_document

    document = load_document(args.file, _manifest(args), ocr=args.ocr)
    _notes(document)
    if args.format == "jsonl":
        for block in document.blocks:
            _write(json.dumps(block.to_record(), ensure_ascii=False) + "\n")
    elif args.format == "md":
        _write(render_markdown(document))
    else:
        _write(render_text(document))
    return 0


# -- info -----------------------------------------------------------------------------
def cmd_info(args: argparse.Namespace) -> int:
    from .ingest import load_document

    document = load_document(args.file, _manifest(args), ocr=args.ocr)
    info = document.info()
    if args.format == "json":
        _notes(document)
        _write(json.dumps(info, ensure_ascii=False) + "\n")
    else:
        for key, value in info.items():
            _write(f"{key:12} {'–' if value is None else value}\n")
        if document.pages_estimated:
            _write("(page numbers estimated from page markers in the text)\n")
        for warning in document.warnings:
            _write(f"note: {warning}\n")
    return 0


# -- ingest ---------------------------------------------------------------------------
def cmd_ingest(args: argparse.Namespace) -> int:
    store = DocumentStore(args.store)
    loader = ReportLoader(args.paths, manifest=_manifest(args), ocr=args.ocr)
    files = loader.files()
    rows: list[tuple[str, Document | None]] = []
    progress = _Progress(len(files))
    loader.progress = lambda n, total, path: progress.step(path.name)
    analyzer = None
    if not args.no_analysis:
        from .analysis import Analyzer

        analyzer = Analyzer.from_config()  # nlp/analysis.yaml; the store keeps what it wrote
    for document in loader:
        if analyzer is not None and document.content_hash not in store:
            try:
                analyzer(document)
            except RapportError as exc:
                loader.skip(Path(document.source_path), f"analysis failed: {exc}")
                continue
        added = store.add(document)
        rows.append(("added" if added else "already stored", document))
    progress.done()
    _write(_summary_table(rows))
    _write(f"\nstore: {store.root} ({len(store)} documents)\n")
    registry_path = store.root / "programs.json"
    if any(status == "added" for status, _ in rows) or (len(store) and not registry_path.exists()):
        # the program registry lives with the corpus so search and batch tagging can filter on it
        try:
            from .locking import writer_lock
            from .programs import update_store_registry

            with writer_lock(store.root, "store"):
                store = DocumentStore(store.root)  # with what concurrent writers added
                update_store_registry(store.root, store.documents())
            _write(f"programs: registry updated ({registry_path})\n")
        except RapportError as exc:
            sys.stderr.write(f"rapport: warning: the program registry was not updated: {exc}\n")
    return loader.exit_code


def _summary_table(rows: list[tuple[str, Document | None]]) -> str:
    header = ("document", "district", "year", "type", "period", "pages", "headings", "paragraphs", "lists", "tables", "sentences", "status")
    lines = [header]
    for status, doc in rows:
        assert doc is not None
        counts = {t: sum(1 for b in doc.blocks if b.type is t) for t in BlockType}
        lines.append(
            (
                doc.id, doc.district or "–", str(doc.year or "–"), doc.report_type or "–", doc.period or "–",
                str(doc.pages or "–"), str(counts[BlockType.HEADING]), str(counts[BlockType.PARAGRAPH]),
                str(counts[BlockType.LIST_ITEM]), str(counts[BlockType.TABLE]),
                str(sum(len(b.sentences) for b in doc.blocks)), status,
            )
        )
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in lines) + "\n"


class _Progress:
    """One status line on a terminal, plain log lines otherwise."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.count = 0
        self.tty = sys.stderr.isatty()

    def step(self, name: str) -> None:
        self.count += 1
        if self.tty:
            sys.stderr.write(f"\r\x1b[K[{self.count}/{self.total}] {name}")
        elif self.total > 1:
            sys.stderr.write(f"[{self.count}/{self.total}] {name}\n")
        sys.stderr.flush()

    def done(self) -> None:
        if self.tty:
            sys.stderr.write("\r\x1b[K")


def _manifest(args: argparse.Namespace) -> Manifest | None:
    path = getattr(args, "manifest", None)
    return Manifest.read(path) if path else None


# -- parser ---------------------------------------------------------------------------
def add_ocr_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ocr", choices=("auto", "always", "never"), default="auto",
                        help="PDF pages without a text layer: auto (default) reads them with Tesseract (Swedish), "
                             "always reads every page with it, never refuses a scan")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rapport",
        description="Structured reading of Swedish district council reports.",
        epilog="Example: rapport segment corpora/sodermalm_2020_tertialrapport-1.txt --format md",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"rapport {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, help_text: str, example: str, handler: Handler) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text, epilog=f"Example:\n  {example}",
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.set_defaults(handler=handler)
        return p

    p = add("segment", "Segment a report (PDF or extracted text) into headings, paragraphs, list items and tables.",
            "rapport segment report.pdf --format jsonl", cmd_segment)
    p.add_argument("file", help="a .pdf or .txt report")
    p.add_argument("--format", choices=("jsonl", "md", "text"), default="jsonl")
    add_ocr_option(p)
    p.add_argument("--manifest", help="CSV manifest overriding metadata (default: manifest.csv beside the file)")

    p = add("info", "Show a report's metadata and size.", "rapport info report.pdf --format json", cmd_info)
    p.add_argument("file")
    p.add_argument("--format", choices=("json", "text"), default="text")
    add_ocr_option(p)
    p.add_argument("--manifest")

    p = add("ingest", "Ingest reports (files or folders) into the local store; idempotent by content hash.",
            "rapport ingest corpora/ --store .rapport/store", cmd_ingest)
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--store", default=str(DEFAULT_STORE), help=f"store folder (default: {DEFAULT_STORE})")
    p.add_argument("--manifest")
    p.add_argument("--no-analysis", action="store_true",
                   help="store the segmented reports without running the analysis stage (themes, programs, goals)")
    add_ocr_option(p)

    from .cli_themes import register as register_themes

    register_themes(sub, argparse.RawDescriptionHelpFormatter)
    from .cli_reuse import register as register_reuse

    register_reuse(sub, argparse.RawDescriptionHelpFormatter)
    from .cli_search import register as register_search

    register_search(sub, argparse.RawDescriptionHelpFormatter)
    from .cli_programs import register as register_programs

    register_programs(sub, argparse.RawDescriptionHelpFormatter)
    from .cli_goals import register as register_goals

    register_goals(sub, argparse.RawDescriptionHelpFormatter)
    from .cli_batch import register as register_batch

    register_batch(sub, argparse.RawDescriptionHelpFormatter)
    from .cli_serve import register as register_serve

    register_serve(sub, argparse.RawDescriptionHelpFormatter)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from .cli_programs import normalise_argv as programs_argv
    from .cli_themes import normalise_argv as themes_argv

    parser = build_parser()
    args = parser.parse_args(programs_argv(themes_argv(list(sys.argv[1:] if argv is None else argv))))
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return args.handler(args)
    except RapportError as exc:
        sys.stderr.write(f"rapport: error: {exc}\n")
        return exc.exit_code
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        sys.stderr.write("rapport: interrupted\n")
        return 130
    except Exception as exc:  # never a traceback for the user; RAPPORT_DEBUG=1 shows it
        if os.environ.get("RAPPORT_DEBUG"):
            raise
        sys.stderr.write(f"rapport: internal error: {type(exc).__name__}: {exc} (set RAPPORT_DEBUG=1 for details)\n")
        return 70


if __name__ == "__main__":
    sys.exit(main())
