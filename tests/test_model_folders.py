"""Self-describing model folders (#14): a config naming kind, format and versions, loading
that dispatches on it, atomic writes, and theme classifiers that are scikit-learn estimators."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import KFold, cross_val_predict

from nlp import model_folders
from nlp.errors import RapportError
from nlp.themes import load_default_model, load_model
from nlp.themes.models import (
    LexicalThemeClassifier,
    ThresholdedClassifier,
    save_model,
    tune_thresholds,
)
from nlp.themes.taxonomy import Taxonomy
from nlp.themes.training import GOLD, load_gold

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def gold():  # noqa: ANN201
    return load_gold(Taxonomy.load(), GOLD)


@pytest.fixture(scope="module")
def small_model(gold) -> ThresholdedClassifier:  # noqa: ANN001
    pairs = list(zip(gold.texts[:240], gold.contexts[:240]))
    return ThresholdedClassifier(LexicalThemeClassifier(Taxonomy.load().ids), cv=3).fit(pairs, gold.y[:240])


def test_shipped_theme_folders_describe_themselves() -> None:
    for name in ("themes-lexical", "themes-embedding"):
        config = model_folders.read_config(ROOT / "models" / name)
        assert config["kind"] == "themes" and config["format"] == 2
        assert {"rapport", "python", "scikit-learn", "numpy"} <= set(config["versions"])
        assert config["estimator"] == name.split("-")[1]
        assert set(config["thresholds"]) == set(config["theme_ids"]) == set(Taxonomy.load().ids)
    # the default is chosen off the test split
    pointer = json.loads((ROOT / "models" / "themes.json").read_text(encoding="utf-8"))
    assert "test" not in pointer["chosen_by"].split("never")[0]


def test_loaded_model_is_the_thresholded_estimator_its_config_names() -> None:
    model = load_model("themes-lexical")  # a bare name is a folder under the models root
    assert isinstance(model, ThresholdedClassifier)
    config = model_folders.read_config(ROOT / "models" / "themes-lexical")
    assert model.thresholds == config["thresholds"]
    assert model.theme_ids == config["theme_ids"]
    assert isinstance(load_default_model(), ThresholdedClassifier)


def test_theme_classifiers_are_clonable_estimators(gold) -> None:  # noqa: ANN001
    base = LexicalThemeClassifier(["trygghet", "klimat"], c=2.0)
    twin = clone(ThresholdedClassifier(base, cv=4))
    assert twin.get_params()["estimator__c"] == 2.0 and twin.get_params()["cv"] == 4
    assert twin.estimator is not base
    # scikit-learn's own cross-validation runs the base model on (text, headings) pairs
    pairs = list(zip(gold.texts[:150], gold.contexts[:150]))
    y = gold.y[:150, :2]
    proba = cross_val_predict(base, pairs, y, cv=KFold(3, shuffle=True, random_state=0), method="predict_proba")
    assert proba.shape == (150, 2) and ((proba >= 0) & (proba <= 1)).all()


def test_thresholds_come_from_out_of_fold_predictions(small_model, gold) -> None:  # noqa: ANN001
    assert small_model.oof_proba_.shape == (240, 4)
    assert small_model.thresholds == tune_thresholds(small_model.oof_proba_, gold.y[:240], small_model.theme_ids)
    proba = small_model.predict_proba(gold.texts[240:260], gold.contexts[240:260])
    cut = np.array([small_model.thresholds[t] for t in small_model.theme_ids])
    assert (small_model.predict(gold.texts[240:260], gold.contexts[240:260]) == (proba >= cut)).all()


def test_save_and_load_round_trip(small_model, gold, tmp_path: Path) -> None:  # noqa: ANN001
    folder = save_model(small_model, tmp_path / "themes-small", card="# themes-small\n", metrics={"note": "test"})
    assert sorted(p.name for p in folder.iterdir()) == ["README.md", "config.json", "metrics.json", "model.joblib"]
    loaded = load_model(folder)
    texts, contexts = gold.texts[300:340], gold.contexts[300:340]
    assert np.array_equal(loaded.predict_proba(texts, contexts), small_model.predict_proba(texts, contexts))
    assert loaded.explain(texts[0], "trygghet", context=contexts[0]).sentences


def test_interrupted_write_keeps_the_working_folder(small_model, tmp_path: Path) -> None:  # noqa: ANN001
    folder = save_model(small_model, tmp_path / "themes-small")
    before = (folder / "model.joblib").read_bytes()

    def crash(path: Path) -> None:
        (path / "model.joblib").write_bytes(b"half a pickle")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        model_folders.write_folder(folder, "themes", 2, crash)
    assert (folder / "model.joblib").read_bytes() == before
    assert load_model(folder).theme_ids == small_model.theme_ids
    assert [p.name for p in tmp_path.iterdir()] == ["themes-small"]  # no temporary folders left


@pytest.mark.parametrize("damage, code", [
    (lambda f: (f / "config.json").unlink(), "model_invalid"),
    (lambda f: (f / "config.json").write_text("{not json", encoding="utf-8"), "model_invalid"),
    (lambda f: (f / "config.json").write_text(json.dumps({"kind": "themes", "format": 1}), encoding="utf-8"),
     "model_format"),
    (lambda f: (f / "config.json").write_text(json.dumps({"kind": "weather", "format": 1}), encoding="utf-8"),
     "model_kind"),
    (lambda f: (f / "model.joblib").write_bytes(b"\x80\x04garbage"), "model_invalid"),
    (lambda f: shutil.rmtree(f), "model_missing"),
])
def test_a_damaged_folder_is_a_clear_error(small_model, tmp_path: Path, damage, code: str) -> None:  # noqa: ANN001
    folder = save_model(small_model, tmp_path / "themes-small")
    damage(folder)
    with pytest.raises(RapportError) as caught:
        load_model(folder)
    assert caught.value.code == code


def test_cli_reports_a_damaged_model_without_a_traceback(small_model, tmp_path: Path) -> None:  # noqa: ANN001
    folder = save_model(small_model, tmp_path / "themes-small")
    (folder / "config.json").write_text(json.dumps({"kind": "programs", "format": 1}), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "nlp", "themes", "-", "--model", str(folder)],
                         input="Trygghetsvandringar genomfördes i Skärholmen.", capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert run.returncode != 0
    assert "Traceback" not in run.stderr
    assert "not a themes model" in run.stderr
