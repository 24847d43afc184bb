"""``rapport programs``: named programs and initiatives in reports, linked across them, and
``rapport programs train``: the program classifier's model folders."""

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
PROGRAM_COMMANDS = ("extract", "train")


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
    from .programs import build_registry, load_pipeline  # imported lazily: spaCy and the model load only here

    registry = build_registry(documents, load_pipeline(args.model))
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


def _train_command(args: argparse.Namespace) -> str:
    """The command line that trained a folder, for its card and config.json."""
    parts = ["rapport programs train"]
    if args.final:
        parts += ["--final", args.final]
    if args.out:
        parts += ["--out", args.out]
    if args.training_dir:
        parts += ["--training-dir", args.training_dir]
    if args.oos:
        parts += ["--oos", args.oos]
    if not args.final:
        parts += [flag for flag, on in (("--no-extra", args.no_extra), ("--no-written", args.no_written)) if on]
        if args.written_weight is not None:
            parts += ["--written-weight", str(args.written_weight)]
        if args.select_on != "oos-dev":
            parts += ["--select-on", args.select_on]
    if args.eval:
        parts.append("--eval")
        if args.corpus_test:
            parts += ["--corpus-test", args.corpus_test]
    return " ".join(parts)


def cmd_train(args: argparse.Namespace) -> int:
    from . import model_folders
    from .programs import training

    options = training.TrainingOptions(
        training_dir=Path(args.training_dir) if args.training_dir else training.TRAINING_DIR,
        oos=Path(args.oos) if args.oos else training.OOS_GOLD, use_extra=not args.no_extra,
        use_written=not args.no_written,
        written_weight=training.WRITTEN_WEIGHT if args.written_weight is None else args.written_weight,
        select_on=args.select_on)
    if args.final and (args.no_extra or args.no_written or args.written_weight is not None or args.select_on != "oos-dev"):
        raise InputError("--final takes its recipe from EVAL_MODEL_DIR; leave out --no-extra, --no-written, "
                         "--written-weight and --select-on.")
    out = model_folders.resolve(args.out or ("programs" if args.final else "programs-eval"))
    command = _train_command(args)

    def log(message: str) -> None:
        sys.stderr.write(message + "\n")

    if args.final:
        trained = training.train_final(model_folders.resolve(args.final), options, log=log)
    else:
        trained = training.train(options, log=log)
    folder = training.save(trained, out, command=command)
    sys.stdout.write(f"saved {folder} ({trained.meta['features']} features, C={trained.meta['C']}, "
                     f"threshold={trained.threshold})\n")
    if args.eval:
        from .programs.scoring import CORPUS_TEST, evaluate_folder

        printed, summary = evaluate_folder(folder, Path(args.corpus_test) if args.corpus_test else CORPUS_TEST,
                                           options.oos, oos_in_sample=bool(args.final))
        sys.stdout.write("\n" + printed)
        training.update_card(folder, summary, command)
    return 0


def register(sub: argparse._SubParsersAction, formatter: type) -> None:
    p = sub.add_parser(
        "programs", help="Named programs, projects and methods in reports, linked across reports; train the model.",
        description="Extract named programs and initiatives (\"Bryt upp\", \"Matlyftet\", \"Program för öppen "
                    "förskola\"), normalise their spellings and link them across the given reports "
                    "(`rapport programs PATH...` is short for `rapport programs extract PATH...`); "
                    "`rapport programs train` trains the program classifier's model folder.",
        epilog="Examples:\n  rapport programs corpora/ --format table\n"
               "  rapport programs a.pdf b.pdf --format json --save programs.json\n"
               "  rapport programs corpora/ --format csv --out programs.csv\n"
               "  rapport programs train --out models/programs-eval --eval\n"
               "  rapport programs train --final models/programs-eval --out models/programs",
        formatter_class=formatter)
    inner = p.add_subparsers(dest="programs_command", metavar="{PATH...,train}", required=True)
    extract = inner.add_parser("extract", help="programs in reports (the default: rapport programs PATH...)",
                               formatter_class=formatter, epilog="Example:\n  rapport programs corpora/ --format json")
    extract.add_argument("paths", nargs="+", metavar="PATH", help="report files or folders")
    extract.add_argument("--format", choices=("json", "csv", "table"), default="table",
                         help="json: [{name, aliases, kind, mentions: [{doc, district, year, page, sentence}], count}]")
    extract.add_argument("--out", help="write to this file instead of standard output")
    extract.add_argument("--save", help="also save the full registry (with per-report pages) as JSON here")
    extract.add_argument("--model", default="programs",
                         help="a programs model folder: a name under the models root ($RAPPORT_MODELS, default "
                              "models/) or a path (default: programs)")
    extract.set_defaults(handler=cmd_programs)
    train = inner.add_parser(
        "train", formatter_class=formatter,
        help="train the program classifier and save the pipeline as a model folder",
        description="Train the program classifier on corpora/training/programs/ and save the whole pipeline "
                    "(tokenizer, gazetteer, classifier) as one model folder. C and the threshold are chosen on "
                    "the out-of-sample dev split (or by 5-fold CV over the corpus passages); --final trains the "
                    "shipped model with the recipe of an evaluated folder on all annotated data.",
        epilog="Examples:\n  rapport programs train --out models/programs-eval --eval   # chosen on OOS dev, scored\n"
               "  rapport programs train --final models/programs-eval --out models/programs  # the shipped model")
    train.add_argument("--out", metavar="DIR",
                       help="the model folder to write, replaced whole (a name under the models root or a path; "
                            "default: programs-eval, with --final: programs)")
    train.add_argument("--final", metavar="EVAL_MODEL_DIR",
                       help="train the shipped model: C, threshold and written weight from EVAL_MODEL_DIR's "
                            "config.json (the model chosen and evaluated on the out-of-sample set), and the "
                            "out-of-sample passages themselves added to the training data")
    train.add_argument("--no-extra", action="store_true", help="the corpus gold's train split only, no other corpus "
                                                                 "sets (ablation)")
    train.add_argument("--no-written", action="store_true", help="corpus passages only, no written ones (ablation)")
    train.add_argument("--written-weight", type=float, metavar="W",
                       help="sample weight of a written passage's candidates (corpus: 1; default 0.5)")
    train.add_argument("--select-on", choices=("corpus-cv", "oos-dev"), default="oos-dev",
                       help="choose C and the threshold by 5-fold CV on corpus passages, or on the out-of-sample "
                            "dev split (default)")
    train.add_argument("--oos", metavar="FILE",
                       help="the out-of-sample set (dev split chooses; all of it trains with --final; default: "
                            "evaluation/programs/data/oos/gold.jsonl)")
    train.add_argument("--training-dir", metavar="DIR",
                       help="the training files (corpus_train.jsonl, extra_train.jsonl, more_train.jsonl, "
                            "rest_train.jsonl, written_train.jsonl, gold_written.jsonl; default: "
                            "corpora/training/programs)")
    train.add_argument("--eval", action="store_true",
                       help="then score the saved folder: the corpus gold's test split and the out-of-sample dev "
                            "split, as evaluation/programs/scripts/eval_programs.py and eval_oos.py print them; "
                            "the figures go into the folder's card")
    train.add_argument("--corpus-test", metavar="FILE",
                       help="with --eval: the corpus test passages (default: evaluation/programs/data/gold.jsonl)")
    train.set_defaults(handler=cmd_train)


def normalise_argv(argv: list[str]) -> list[str]:
    """``rapport programs PATH...`` is short for ``rapport programs extract PATH...``."""
    if len(argv) >= 2 and argv[0] == "programs" and argv[1] not in PROGRAM_COMMANDS + ("-h", "--help"):
        return [argv[0], "extract", *argv[1:]]
    return argv
