"""How many labelled passages does a new theme need? A learning curve for a fifth theme.

Reads  nlp/themes/taxonomy.yaml + the entry below   (a taxonomy with a fifth theme, kultur)
       evaluation/themes/data/new_theme/kultur*.jsonl (250 written passages by two writers:
                                                     170 about culture and leisure, 80 negatives)
       evaluation/themes/data/gold.jsonl, corpora/training/themes/*.jsonl (the four themes' training data)
Writes evaluation/themes/results/new_theme_curve.json and prints a table.

The kultur passages are split by a hash of their id: 40 % held out, the rest a pool
from which the first n are added to the training data (n = 10, 20, 40, ...). Each model
is the shipped lexical kind with thresholds from 5-fold out-of-fold predictions
(``rapport themes train`` also adds the taxonomy's words as rows; this curve does not);
the figure is F1 of ``kultur`` on the held-out part.

    .venv/bin/python -m evaluation.themes.scripts.new_theme_curve
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import yaml

from evaluation.paths import data, results
from nlp.defaults import TAXONOMY
from nlp.themes.features import section_context
from nlp.themes.models import LexicalThemeClassifier
from nlp.themes.taxonomy import Taxonomy
from nlp.themes.training import GOLD, TRAIN_DATA, evaluate, fit_with_cv_thresholds, load_gold

KULTUR = sorted((data("themes") / "new_theme").glob("kultur*.jsonl"))
RESULTS = results("themes") / "new_theme_curve.json"
ENTRY = {
    "id": "kultur",
    "label": "Kultur och fritid",
    "definition": "Culture and leisure for residents: libraries, culture schools, museums, events, art, "
                  "associations' leisure activities, youth centres, sports and leisure facilities, reading promotion.",
    "includes": ["bibliotek", "kulturskola", "fritidsgård", "idrottsanläggningar", "läsfrämjande", "kulturstöd"],
    "excludes": ["organisationskultur", "kulturmiljö i bygglov", "företagskultur"],
    "examples": ["Biblioteket har utökat sina öppettider och erbjuder läxhjälp på eftermiddagarna."],
}


def taxonomy_with_fifth_theme(folder: Path) -> Path:
    data = yaml.safe_load(TAXONOMY.read_text(encoding="utf-8"))
    data["themes"].append(ENTRY)
    path = folder / "taxonomy.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def held_out(passage_id: str) -> bool:
    return int(hashlib.sha256(passage_id.encode("utf-8")).hexdigest()[:8], 16) % 100 < 40


def main() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        taxonomy = Taxonomy.load(taxonomy_with_fifth_theme(Path(tmp)))
    base = load_gold(taxonomy, GOLD, extra=TRAIN_DATA)
    keep = [i for i, s in enumerate(base.splits) if s != "test"]
    rows = [json.loads(line) for path in KULTUR for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    pool = [r for r in rows if not held_out(r["id"])]
    test = [r for r in rows if held_out(r["id"])]
    to_y = lambda rs: np.array([[int(t in r["labels"]) for t in taxonomy.ids] for r in rs], dtype=int)  # noqa: E731
    results = []
    positives_in_pool = [r for r in pool if "kultur" in r["labels"]]
    negatives_in_pool = [r for r in pool if "kultur" not in r["labels"]]
    for n in (10, 20, 40, 60, 80, len(positives_in_pool)):
        chosen = positives_in_pool[:n] + negatives_in_pool[: max(1, round(n * len(negatives_in_pool) / len(positives_in_pool)))]
        texts = [base.texts[i] for i in keep] + [r["text"] for r in chosen]
        contexts = [base.contexts[i] for i in keep] + [section_context(r.get("section")) for r in chosen]
        y = np.vstack([base.y[keep], to_y(chosen)])
        model = fit_with_cv_thresholds(lambda: LexicalThemeClassifier(taxonomy.ids), texts, y, contexts, taxonomy.ids)
        report = evaluate(model.predict_proba([r["text"] for r in test], [section_context(r.get("section")) for r in test]),
                          to_y(test), model.thresholds, taxonomy.ids)
        results.append({"kultur_positives": n, "kultur_examples": len(chosen), "f1_kultur": report["per_theme"]["kultur"]["f1"],
                        "precision": report["per_theme"]["kultur"]["precision"], "recall": report["per_theme"]["kultur"]["recall"]})
        print(f"{n:3d} positive examples ({len(chosen)} in all): kultur F1 {results[-1]['f1_kultur']:.3f}", flush=True)
    RESULTS.write_text(json.dumps({"held_out": len(test), "curve": results}, indent=1) + "\n", encoding="utf-8")
    print(f"written {RESULTS}")


if __name__ == "__main__":
    main()
