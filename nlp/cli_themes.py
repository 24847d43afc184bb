"""``rapport themes``: tag passages, summarise reports, train and evaluate theme models."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterator

from .errors import InputError, RapportError
from .reports import ReportLoader
from .defaults import MAX_PASSAGE_CHARS as MAX_TEXT_CHARS
from .defaults import MODELS
from .defaults import TAXONOMY as DEFAULT_TAXONOMY

THEME_COMMANDS = ("summary", "train", "eval", "tag")
MAX_LINE_BYTES = MAX_TEXT_CHARS * 4


def _model(args: argparse.Namespace):  # noqa: ANN202 - ThemeModel
    from .themes import load_default_model, load_model

    return load_model(args.model) if getattr(args, "model", None) else load_default_model()


def _stdin_records() -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """(line number, record, error) for each non-blank stdin line: plain text or JSON."""
    stream = sys.stdin.buffer
    for number, raw in enumerate(iter(lambda: stream.readline(MAX_LINE_BYTES + 1), b""), start=1):
        if len(raw) > MAX_LINE_BYTES:
            # drain the rest of an over-long line without holding it in memory
            while raw and not raw.endswith(b"\n"):
                raw = stream.readline(MAX_LINE_BYTES)
            yield number, None, f"line {number}: longer than {MAX_TEXT_CHARS:,} characters; split it into passages"
            continue
        try:
            line = raw.decode("utf-8").strip()
        except UnicodeDecodeError:
            yield number, None, f"line {number}: not UTF-8 text"
            continue
        if not line:
            continue
        if line.startswith("{"):
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, None, f"line {number}: invalid JSON ({exc.msg})"
                continue
            if not isinstance(record, dict) or "text" not in record:
                yield number, None, f"line {number}: a JSON line needs a \"text\" field"
                continue
            yield number, record, None
        else:
            yield number, {"text": line}, None


def _write(records: list[dict[str, Any]], fmt: str, theme_ids: list[str], writer: Any) -> None:
    for record in records:
        if fmt == "jsonl":
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            row = {k: v for k, v in record.items() if k not in ("scores", "labels", "evidence", "section")}
            row["labels"] = ";".join(record["labels"])
            if "section" in record:
                row["section"] = " > ".join(record["section"])
            row.update({f"score_{t}": record["scores"][t] for t in theme_ids})
            writer(row)


def _wanted_themes(spec: str | None, known: list[str]) -> list[str]:
    """``--themes trygghet,klimat`` → those ids; an unknown name is an error, not an empty column."""
    if not spec:
        return known
    wanted = [t.strip() for t in spec.split(",") if t.strip()]
    unknown = [t for t in wanted if t not in known]
    if unknown:
        raise InputError(f"unknown theme(s) {', '.join(unknown)}; known themes: {', '.join(known)}.")
    return wanted


def _only(record: dict[str, Any], wanted: list[str]) -> dict[str, Any]:
    record["labels"] = [t for t in record["labels"] if t in wanted]
    record["scores"] = {t: v for t, v in record["scores"].items() if t in wanted}
    if "evidence" in record:
        record["evidence"] = {t: v for t, v in record["evidence"].items() if t in wanted}
    return record


def cmd_tag(args: argparse.Namespace) -> int:
    from .themes import section_context, tag_document, tag_texts

    model = _model(args)
    wanted = _wanted_themes(args.themes, list(model.theme_ids))
    theme_ids = wanted
    csv_writer: csv.DictWriter | None = None

    def write_csv(row: dict[str, Any]) -> None:
        nonlocal csv_writer
        if csv_writer is None:
            csv_writer = csv.DictWriter(sys.stdout, fieldnames=list(row), extrasaction="ignore")
            csv_writer.writeheader()
        csv_writer.writerow(row)

    failures = 0
    if args.input == "-":
        batch: list[dict[str, Any]] = []

        seen = 0

        def flush() -> None:
            texts = [r["text"] for r in batch]
            # a JSON line may carry its headings ("section": [...] or "..."): the lexical model reads them
            contexts = [section_context([r["section"]] if isinstance(r.get("section"), str) else r.get("section"))
                        for r in batch]
            for record, tagged in zip(batch, tag_texts(texts, model, explain=args.explain, contexts=contexts)):
                out = {k: v for k, v in record.items() if k != "text"}
                out.update(_only(tagged, wanted))
                _write([out], args.format, theme_ids, write_csv)
            batch.clear()

        for number, record, error in _stdin_records():
            if record is not None:
                text = record.get("text")
                if not isinstance(text, str) or not text.strip():
                    error = f"line {number}: empty or non-text \"text\""
                    record = None
            if error:
                failures += 1
                sys.stderr.write(f"rapport: skipped {error}\n")
                continue
            batch.append(record)  # type: ignore[arg-type]
            seen += 1
            if len(batch) >= 256:
                flush()
        flush()
        if not seen and not failures:
            raise InputError("no input on stdin: give one passage per line (plain text or JSON with \"text\").")
        return 1 if failures else 0
    loader = ReportLoader([args.input])
    for document in loader:
        _write([_only(r, wanted) for r in tag_document(document, model, explain=args.explain)], args.format,
               theme_ids, write_csv)
    return loader.exit_code


def cmd_summary(args: argparse.Namespace) -> int:
    from .themes import tag_document, theme_shares

    model = _model(args)
    theme_ids = list(model.theme_ids)
    rows = []
    loader = ReportLoader(args.paths)
    for document in loader:
        records = tag_document(document, model)
        shares = theme_shares(records, theme_ids)
        rows.append((document, shares, records))
    if not rows:
        raise InputError("no report could be read.")
    out = sys.stdout
    out.write("Share of each report's passage text (by words) per theme\n\n")
    header = ["report", "district", "year"] + theme_ids
    out.write(" | ".join(header) + "\n")
    for document, shares, _ in rows:
        out.write(" | ".join([document.id, document.district or "–", str(document.year or "–")]
                             + [f"{shares[t]:.1%}" for t in theme_ids]) + "\n")
    for document, _, records in rows:
        out.write(f"\n{document.id}: by top-level section\n")
        sections: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for record in records:
            sections[record["section"][0] if record["section"] else "(före första rubriken)"].append(record)
        for name, section_records in sections.items():
            shares = theme_shares(section_records, theme_ids)
            out.write(f"  {name[:70]:70} " + " ".join(f"{t}={shares[t]:.0%}" for t in theme_ids) + "\n")
    from .trends import passage_unit, render_html, save_chart, theme_trends

    units = [passage_unit(document.district, document.year, document.id, r["text"], r["labels"], theme_ids)
             for document, _, records in rows for r in records]
    trend = theme_trends(units, theme_ids, unknown="okänt distrikt")
    chart_path = Path(args.out)
    if chart_path.suffix.lower() == ".png":
        save_chart(chart_path, trend, theme_ids)
    else:  # any other name is written as the HTML page
        chart_path.write_text(render_html(trend, theme_ids), encoding="utf-8")
    out.write(f"\nchart: {chart_path}\n")
    return loader.exit_code


def cmd_train(args: argparse.Namespace) -> int:
    from .themes.taxonomy import Taxonomy

    from .themes.training import GOLD, OOS_GOLD, TRAIN_DATA, load_gold, render_table, train_and_evaluate

    taxonomy = Taxonomy.load(args.taxonomy)
    train_data = [Path(p) for p in args.train_data] if args.train_data is not None else TRAIN_DATA
    gold = load_gold(taxonomy, Path(args.gold) if args.gold else GOLD, extra=train_data)
    selection_path = Path(args.select_on) if args.select_on else OOS_GOLD
    selection = load_gold(taxonomy, selection_path, only_split="dev") if selection_path.exists() else None
    encoder = None if args.no_embedding else Path(args.encoder)
    result = train_and_evaluate(taxonomy, gold, Path(args.models), encoder, log=lambda m: sys.stderr.write(m + "\n"),
                                selection=selection)
    sys.stdout.write(render_table(result) + "\n")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from .themes import load_model
    from .themes.taxonomy import Taxonomy

    from .themes.training import GOLD, evaluate, load_gold

    taxonomy = Taxonomy.load(args.taxonomy)
    gold = load_gold(taxonomy, Path(args.gold) if args.gold else GOLD)
    test_x, test_y, test_i = gold.subset("test")
    test_c = gold.contexts_of(test_i)
    models_dir = Path(args.models)
    names = sorted(p.name for p in models_dir.glob("themes-*") if (p / "config.json").exists())
    if not names:
        raise RapportError(f"no trained theme models in {models_dir}; run `rapport themes train`.")
    results = {}
    for name in names:
        model = load_model(models_dir / name)
        if getattr(model, "encoder_path", None) and not Path(model.encoder_path, "modules.json").exists():
            sys.stderr.write(f"rapport: {name} needs its encoder ({model.encoder_path}); skipped\n")
            continue
        results[name] = evaluate(model.predict_proba(test_x, test_c), test_y, model.thresholds, model.theme_ids)
    sys.stdout.write("| metric (held-out test) | " + " | ".join(results) + " |\n|---|" + "---:|" * len(results) + "\n")
    sys.stdout.write("| micro-F1 | " + " | ".join(f"{r['micro_f1']:.3f}" for r in results.values()) + " |\n")
    for theme in taxonomy.ids:
        sys.stdout.write(f"| F1 {theme} | " + " | ".join(f"{r['per_theme'][theme]['f1']:.3f}" for r in results.values()) + " |\n")
    sys.stdout.write("| ECE | " + " | ".join(f"{r['ece']:.3f}" for r in results.values()) + " |\n")
    return 0


def register(sub: argparse._SubParsersAction, formatter: type) -> None:
    themes = sub.add_parser(
        "themes", help="Theme classification: tag passages, summarise reports, train and evaluate models.",
        description="Theme classification (trygghet, klimat, aldreomsorg, covid19, …).",
        epilog="Examples:\n  rapport themes corpora/ --format jsonl --explain\n"
               "  echo 'Fältassistenterna arbetar uppsökande på kvällarna.' | rapport themes -\n"
               "  rapport themes summary corpora/ --out teman.html\n  rapport themes train\n  rapport themes eval",
        formatter_class=formatter)
    inner = themes.add_subparsers(dest="theme_command", metavar="{INPUT,summary,train,eval}")
    tag = inner.add_parser("tag", help="tag passages of a report, a folder, or stdin (-)", formatter_class=formatter,
                           epilog="Example:\n  rapport themes report.pdf --format csv")
    tag.add_argument("input", metavar="INPUT", help="report file, folder, or - for stdin (plain text or JSON lines with \"text\")")
    tag.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    tag.add_argument("--explain", action="store_true", help="add the sentences and terms behind each label")
    tag.add_argument("--model", help="a model folder (default: models/themes.json's choice)")
    tag.add_argument("--themes", help="only these themes, comma-separated (e.g. trygghet,klimat)")
    tag.set_defaults(handler=cmd_tag)
    summary = inner.add_parser("summary", help="theme share per report, section, district and year, with a chart",
                               formatter_class=formatter, epilog="Example:\n  rapport themes summary corpora/ --out teman.png")
    summary.add_argument("paths", nargs="+", metavar="PATH")
    summary.add_argument("--out", default="themes-summary.html", help="chart file: .html (default) or .png")
    summary.add_argument("--model")
    summary.set_defaults(handler=cmd_summary)
    for name, handler, text in (("train", cmd_train, "retrain from the labelled data and print the evaluation table"),
                                ("eval", cmd_eval, "score the trained models on the held-out test split")):
        p = inner.add_parser(name, help=text, formatter_class=formatter, epilog=f"Example:\n  rapport themes {name}")
        p.add_argument("--taxonomy", default=str(DEFAULT_TAXONOMY))
        p.add_argument("--gold", help="labelled passages (default: evaluation/themes/data/gold.jsonl)")
        p.add_argument("--models", default=str(MODELS), help="the models root (default: %(default)s)")
        if name == "train":
            p.add_argument("--encoder", default=str(MODELS / "multilingual-e5-small"))
            p.add_argument("--no-embedding", action="store_true", help="train only the lexical model")
            p.add_argument("--train-data", nargs="*", metavar="FILE",
                           help="more labelled passages for training (JSON lines with text, labels, section; "
                                "default: corpora/training/themes/*.jsonl; give none to use the gold set only)")
            p.add_argument("--select-on", metavar="FILE",
                           help="labelled passages whose \"dev\" split chooses the default model (default: "
                                "evaluation/themes/data/oos/gold.jsonl)")
        p.set_defaults(handler=handler)


def normalise_argv(argv: list[str]) -> list[str]:
    """``rapport themes INPUT`` is short for ``rapport themes tag INPUT``."""
    if len(argv) >= 2 and argv[0] == "themes" and argv[1] not in THEME_COMMANDS + ("-h", "--help"):
        return [argv[0], "tag", *argv[1:]]
    return argv
