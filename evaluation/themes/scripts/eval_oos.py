"""Out-of-sample theme evaluation: what users see on reports nobody here has seen.

Reads  evaluation/themes/data/oos/gold.jsonl   (build_oos_gold.py: 630 written passages,
                                               two labelling passes, hash split dev/test)
       evaluation/themes/data/gold.jsonl       (the corpus gold set, for leave-one-report-out)
       models/<name>/                          (saved theme models)
Writes evaluation/themes/results/themes_oos.json and prints markdown tables.

Scores, each with headings (the section path as the lexical model reads it) and on bare
passages (no headings, as text given on stdin):
- oos-dev:  the saved models on the out-of-sample dev split (for choosing models);
- oos-test: the same on the test split, only with --test (scored once, at the end);
- loro:     leave-one-report-out over the corpus: trained on every corpus gold passage
            outside one report plus the written training passages (corpora/training/themes/), with
            thresholds from 5-fold out-of-fold predictions on that training part, scored on
            that report's passages.

    .venv/bin/python -m evaluation.themes.scripts.eval_oos          # dev + LORO
    .venv/bin/python -m evaluation.themes.scripts.eval_oos --test             # adds the test split
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import numpy as np

from evaluation.paths import data, results
from nlp.themes import MODELS, load_model
from nlp.themes.features import section_context
from nlp.themes.models import EmbeddingThemeClassifier, LexicalThemeClassifier
from nlp.themes.taxonomy import Taxonomy
from nlp.themes.training import GOLD, TRAIN_DATA, evaluate, fit_with_cv_thresholds, load_gold

OOS = data("themes") / "oos" / "gold.jsonl"
RESULTS = results("themes") / "themes_oos.json"


def load_oos(theme_ids: list[str], split: str) -> tuple[list[str], list[str], np.ndarray]:
    rows = [json.loads(line) for line in OOS.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if r["split"] == split]
    y = np.array([[int(t in r["labels"]) for t in theme_ids] for r in rows], dtype=int)
    return [r["text"] for r in rows], [section_context(r["section"]) for r in rows], y


def score_model(model: Any, texts: list[str], contexts: list[str], y: np.ndarray) -> dict[str, Any]:
    out = {}
    for name, ctx in (("with_headings", contexts), ("bare", [""] * len(texts))):
        started = time.perf_counter()
        proba = model.predict_proba(texts, ctx)
        report = evaluate(proba, y, model.thresholds, model.theme_ids)
        report["seconds"] = round(time.perf_counter() - started, 2)
        out[name] = report
    return out


def leave_one_report_out(taxonomy: Taxonomy, kinds: list[str]) -> dict[str, Any]:
    gold = load_gold(taxonomy, GOLD)
    records = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    docs = [r.get("doc", "") for r in records]
    reports = sorted({d for d in docs if not d.startswith("synthetic")})
    written = load_gold(taxonomy, TRAIN_DATA[0], extra=TRAIN_DATA[1:]) if TRAIN_DATA else None
    encoder = MODELS / "multilingual-e5-small"
    makers = {"lexical": lambda: LexicalThemeClassifier(taxonomy.ids),
              "embedding": lambda: EmbeddingThemeClassifier(taxonomy.ids, encoder)}
    out: dict[str, Any] = {}
    for kind in kinds:
        for held in reports:
            train = [i for i, d in enumerate(docs) if d != held]
            test = [i for i, d in enumerate(docs) if d == held]
            # the held-out report's passages never train; the written training passages
            # (other districts and municipalities) always do (`rapport themes train` also
            # adds the taxonomy's words, which this figure leaves out)
            train_x = [gold.texts[i] for i in train] + written.texts
            train_y = np.vstack([gold.y[train], written.y])
            train_c = [gold.contexts[i] for i in train] + written.contexts
            model = fit_with_cv_thresholds(makers[kind], train_x, train_y, train_c, taxonomy.ids)
            out[f"{kind}:{held}"] = score_model(model, [gold.texts[i] for i in test],
                                                [gold.contexts[i] for i in test], gold.y[test])
            print(f"loro {kind} held out {held}: micro-F1 {out[f'{kind}:{held}']['with_headings']['micro_f1']:.3f}",
                  flush=True)
    return out


def table(title: str, results: dict[str, Any], theme_ids: list[str]) -> str:
    names = list(results)
    lines = [f"\n{title}\n", "| metric | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for variant in ("with_headings", "bare"):
        lines.append(f"| micro-F1 ({variant.replace('_', ' ')}) | "
                     + " | ".join(f"{results[n][variant]['micro_f1']:.3f}" for n in names) + " |")
        for t in theme_ids:
            lines.append(f"| F1 {t} ({variant.replace('_', ' ')}) | "
                         + " | ".join(f"{results[n][variant]['per_theme'][t]['f1']:.3f}" for n in names) + " |")
        lines.append(f"| ECE ({variant.replace('_', ' ')}) | "
                     + " | ".join(f"{results[n][variant]['ece']:.3f}" for n in names) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["themes-lexical", "themes-embedding"])
    parser.add_argument("--test", action="store_true", help="also score the out-of-sample test split")
    parser.add_argument("--no-loro", action="store_true")
    parser.add_argument("--loro-kinds", nargs="+", default=["lexical", "embedding"])
    args = parser.parse_args()
    taxonomy = Taxonomy.load()
    results: dict[str, Any] = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    splits = ["dev", "test"] if args.test else ["dev"]
    for split in splits:
        texts, contexts, y = load_oos(taxonomy.ids, split)
        scored = {}
        for name in args.models:
            model = load_model(MODELS / name)
            scored[name] = score_model(model, texts, contexts, y)
        results[f"oos-{split}"] = {"passages": len(texts), "models": scored}
        print(table(f"Out-of-sample {split} ({len(texts)} passages)", scored, taxonomy.ids))
    if not args.no_loro:
        loro = leave_one_report_out(taxonomy, args.loro_kinds)
        results["loro"] = loro
        print(table("Leave-one-report-out over the corpus", loro, taxonomy.ids))
    RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwritten {RESULTS}")


if __name__ == "__main__":
    main()
