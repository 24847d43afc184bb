"""The programs pipeline as one model folder (#14): saved with to_disk, loaded by kind,
refused with a clear message when damaged, written whole or not at all, trained by
``rapport programs train``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from nlp import model_folders
from nlp.cli import main
from nlp.defaults import MODELS
from nlp.errors import RapportError
from nlp.model import Document

from .conftest import ROOT
from .test_startup import HEAVY, loaded_after

EVAL_MODEL = MODELS / "programs-eval"
TRAINING = ROOT / "corpora" / "training" / "programs"
OOS = ROOT / "evaluation" / "programs" / "data" / "oos" / "gold.jsonl"


def _hits(nlp, texts: list[str]) -> list[list[tuple]]:  # noqa: ANN001 - spaCy Language
    return [[(h.start, h.end, h.text, h.score, h.kind, h.gazetteer, h.long_form_of, h.acronym_of, h.source)
             for h in doc._.program_hits] for doc in nlp.pipe(texts)]


@pytest.fixture(scope="module")
def saved_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The evaluation model's classifier in a freshly built pipeline, saved as a folder."""
    from nlp.programs.pipeline import build_pipeline, load_pipeline, save_pipeline

    saved = load_pipeline(EVAL_MODEL).get_pipe("program_classifier")
    nlp = build_pipeline(classifier=saved.model, threshold=saved.threshold)
    return save_pipeline(nlp, tmp_path_factory.mktemp("folders") / "programs-copy", {"C": 10.0}, card="# copy\n")


def test_a_saved_pipeline_loads_back_with_identical_tokens_and_spans(saved_folder: Path, sodermalm: Document,
                                                                      norra: Document) -> None:
    import spacy

    import nlp.programs.pipeline  # noqa: F401 - registers the factories spacy.load needs
    from nlp.programs.pipeline import build_pipeline

    built = build_pipeline(classifier=spacy.load(saved_folder).get_pipe("program_classifier").model, threshold=0.6)
    loaded = spacy.load(saved_folder)  # spaCy's own loader, as any spaCy user would
    through_rapport = model_folders.load(saved_folder, kind="programs")
    assert loaded.pipe_names == built.pipe_names == ["swedish_sentence_rules", "program_gazetteer",
                                                     "program_candidates", "program_classifier"]
    texts = [b.text for document in (sodermalm, norra) for b in document.passages]
    # the tokenizer keeps its hyphen infix and abbreviation special cases
    sample = "Stjärnmärknings-processen och ABC-ledare, bl.a. i Hälso- och sjukvårdslagen t.ex. kap. 3."
    assert [t.text for t in loaded.make_doc(sample)] == [t.text for t in built.make_doc(sample)]
    assert "bl.a." in [t.text for t in loaded.make_doc(sample)] and "-" in [t.text for t in loaded.make_doc(sample)]
    assert all([t.text for t in loaded.make_doc(x)] == [t.text for t in built.make_doc(x)] for x in texts[:200])
    expected = _hits(built, texts)
    assert sum(map(len, expected)) > 50, "the corpus has programs to find"
    assert _hits(loaded, texts) == expected
    assert _hits(through_rapport, texts) == expected
    # the gazetteer travels with the folder: the same entries in the same order
    assert [vars(e) for e in loaded.get_pipe("program_gazetteer").entries] == [
        vars(e) for e in built.get_pipe("program_gazetteer").entries]
    assert loaded.get_pipe("program_classifier").threshold == 0.6


def test_config_names_kind_format_versions_and_training(saved_folder: Path) -> None:
    config = model_folders.read_config(saved_folder)
    assert (config["kind"], config["format"], config["threshold"], config["C"]) == ("programs", 1, 0.6, 10.0)
    assert {"rapport", "python", "spacy", "scikit-learn", "joblib", "numpy"} <= set(config["versions"])
    assert (saved_folder / "README.md").read_text(encoding="utf-8") == "# copy\n"
    classifier_cfg = json.loads((saved_folder / "program_classifier" / "cfg.json").read_text(encoding="utf-8"))
    assert classifier_cfg == {"threshold": 0.6, "model": "classifier.joblib"}
    # the shipped folders: the shipped recipe is the evaluated one, trained on more data
    shipped, evaluated = model_folders.read_config(MODELS / "programs"), model_folders.read_config(EVAL_MODEL)
    assert shipped["kind"] == evaluated["kind"] == "programs" and shipped["format"] == evaluated["format"] == 1
    assert shipped["final"] and shipped["chosen_in"] == "programs-eval"
    assert (shipped["C"], shipped["threshold"]) == (evaluated["C"], evaluated["threshold"])
    assert shipped["train_passages"] == evaluated["train_passages"] + shipped["out_of_sample_passages"]
    assert evaluated["training_files"]["corpus_train.jsonl"] == 121


def _damage(folder: Path, how: str) -> None:
    if how == "config missing":
        (folder / "config.json").unlink()
    elif how == "config corrupt":
        (folder / "config.json").write_text('{"kind": "programs", "format": ', encoding="utf-8")
    elif how == "wrong format":
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        (folder / "config.json").write_text(json.dumps({**config, "format": 99}), encoding="utf-8")
    elif how == "wrong kind":
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        (folder / "config.json").write_text(json.dumps({**config, "kind": "themes"}), encoding="utf-8")
    elif how == "classifier corrupt":
        path = folder / "program_classifier" / "classifier.joblib"
        path.write_bytes(path.read_bytes()[:1000])
    elif how == "gazetteer missing":
        shutil.rmtree(folder / "program_gazetteer")
    elif how == "spacy config corrupt":
        (folder / "config.cfg").write_text("[nlp\nlang = ", encoding="utf-8")


@pytest.mark.parametrize("how, message, code", [
    ("config missing", "config.json missing", "model_invalid"),
    ("config corrupt", "unreadable model config", "model_invalid"),
    ("wrong format", "format 99 is not supported", "model_format"),
    ("wrong kind", "a themes model, not a programs model", "model_kind"),
    ("classifier corrupt", "cannot load the program classifier", "model_invalid"),
    ("gazetteer missing", "program_gazetteer missing", "model_invalid"),
    ("spacy config corrupt", "cannot load the programs pipeline", "model_invalid"),
])
def test_a_damaged_folder_is_a_clear_error_not_a_traceback(how: str, message: str, code: str, saved_folder: Path,
                                                           tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from nlp.programs.pipeline import load_pipeline

    folder = tmp_path / "damaged"
    shutil.copytree(saved_folder, folder)
    _damage(folder, how)
    report = tmp_path / "rapport.txt"
    report.write_text("Förvaltningen deltar i projektet ”Bryt upp” tillsammans med polisen.\n", encoding="utf-8")
    assert main(["programs", str(report), "--model", str(folder)]) != 0
    err = capsys.readouterr().err
    assert err.startswith("rapport: error: ") and message in err and str(folder) in err, err
    assert "Traceback" not in err and "internal error" not in err
    with pytest.raises(RapportError) as raised:
        load_pipeline(folder)
    assert raised.value.code == code


def test_a_missing_folder_is_a_clear_error_in_the_cli_and_the_analysis_stage(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from nlp.analysis import Analyzer
    from nlp.model import Block, BlockType

    report = tmp_path / "rapport.txt"
    report.write_text("Projektet Bryt upp har startat i Rinkeby.\n", encoding="utf-8")
    assert main(["programs", str(report), "--model", str(tmp_path / "no-such-model")]) == 2
    err = capsys.readouterr().err
    assert "no model folder here" in err and "rapport programs train" in err and "Traceback" not in err
    document = Document(id="d", source_path="d.txt", content_hash="d",
                        blocks=[Block(BlockType.PARAGRAPH, "Projektet Bryt upp har startat i Rinkeby.")])
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "config.json").write_text("[]", encoding="utf-8")
    with pytest.raises(RapportError, match="needs \"kind\" and \"format\""):
        Analyzer.from_config(disable=["themes", "goals"], overrides={"programs": {"model": str(damaged)}})(document)


def test_an_interrupted_write_leaves_the_previous_folder_intact(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from nlp.programs.pipeline import ProgramClassifier, build_pipeline, save_pipeline

    folder = save_pipeline(build_pipeline(threshold=0.7), tmp_path / "model", {"C": 1.0}, card="# first\n")
    before = {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}

    def fail(self: ProgramClassifier, path: Path, exclude: tuple[str, ...] = ()) -> None:
        (Path(path) / "half-written").mkdir(parents=True)
        raise OSError("disk full")

    monkeypatch.setattr(ProgramClassifier, "to_disk", fail)
    with pytest.raises(OSError, match="disk full"):
        save_pipeline(build_pipeline(threshold=0.2), folder, {"C": 3.0}, card="# second\n")
    after = {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no temporary folder left behind
    monkeypatch.undo()
    loaded = model_folders.load(folder, kind="programs")
    assert loaded.get_pipe("program_classifier").threshold == 0.7
    assert loaded.get_pipe("program_classifier").model is None  # untrained: strong cues only
    assert [h.text for h in loaded("Vi startade projektet ”Bryt upp” i år.")._.program_hits] == ["Bryt upp"]


def test_train_help_lists_its_options_and_imports_nothing_heavy(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["programs", "train", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for option in ("--out", "--final", "--no-extra", "--no-written", "--written-weight", "--select-on", "--oos",
                   "--training-dir", "--eval"):
        assert option in out
    for argv in (("programs", "train", "--help"), ("programs", "--help")):
        heavy = loaded_after(*argv) & set(HEAVY)
        assert not heavy, f"rapport {' '.join(argv)} imported {sorted(heavy)}"


def _tiny_training_set(folder: Path) -> tuple[Path, Path]:
    """40 real corpus passages and 15 out-of-sample ones: trains in seconds."""
    data = folder / "data"
    data.mkdir()
    lines = (TRAINING / "corpus_train.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    (data / "corpus_train.jsonl").write_text("".join(lines[:40]), encoding="utf-8")
    written = (TRAINING / "gold_written.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    (data / "gold_written.jsonl").write_text("".join(written[:20]), encoding="utf-8")
    oos_lines = OOS.read_text(encoding="utf-8").splitlines(keepends=True)
    oos = folder / "oos.jsonl"
    oos.write_text("".join([line for line in oos_lines if '"split": "dev"' in line][:15]
                           + [line for line in oos_lines if '"split": "test"' in line][:5]), encoding="utf-8")
    return data, oos


def test_train_on_a_tiny_set_writes_a_loadable_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from nlp.programs.pipeline import load_pipeline

    data, oos = _tiny_training_set(tmp_path)
    out = tmp_path / "tiny-eval"
    assert main(["programs", "train", "--training-dir", str(data), "--oos", str(oos), "--out", str(out)]) == 0
    assert f"saved {out}" in capsys.readouterr().out
    config = model_folders.read_config(out)
    assert (config["kind"], config["format"], config["selected_on"]) == ("programs", 1, "oos-dev")
    assert config["training_files"] == {"corpus_train.jsonl": 40, "gold_written.jsonl": 20}
    assert config["train_passages"] == 60 and config["selection_passages"] == 15
    assert "rapport programs train --out" in (out / "README.md").read_text(encoding="utf-8")
    nlp = load_pipeline(out)
    assert nlp.get_pipe("program_classifier").threshold == config["threshold"]
    hits = nlp("Förvaltningen har startat projektet ”Bryt upp” och metoden Signs of Safety.")._.program_hits
    assert {h.text for h in hits} >= {"Bryt upp", "Signs of Safety"}

    # retraining keeps the card's hand-written notes; --final takes the recipe and learns the OOS set too
    card = out / "README.md"
    card.write_text(card.read_text(encoding="utf-8") + "\n## Notes\n\nKept on retraining.\n", encoding="utf-8")
    assert main(["programs", "train", "--training-dir", str(data), "--oos", str(oos), "--out", str(out),
                 "--select-on", "corpus-cv", "--written-weight", "0.25"]) == 0
    config = model_folders.read_config(out)
    assert (config["selected_on"], config["written_weight"]) == ("corpus-cv", 0.25)
    assert card.read_text(encoding="utf-8").endswith("## Notes\n\nKept on retraining.\n")
    final = tmp_path / "tiny"
    assert main(["programs", "train", "--final", str(out), "--training-dir", str(data), "--oos", str(oos),
                 "--out", str(final)]) == 0
    shipped = model_folders.read_config(final)
    assert shipped["final"] and (shipped["C"], shipped["threshold"]) == (config["C"], config["threshold"])
    assert shipped["train_passages"] == 60 + 20 and shipped["out_of_sample_passages"] == 20
    assert load_pipeline(final).get_pipe("program_classifier").model is not None
    capsys.readouterr()
    # --final with a folder that is not an evaluated programs model: a clear error
    assert main(["programs", "train", "--final", str(tmp_path / "missing"), "--out", str(tmp_path / "x")]) == 2
    assert "no model folder here" in capsys.readouterr().err
