"""Themes: the trained default model on hard negatives and clear cases, CLI contracts, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nlp.errors import RapportError
from nlp.themes import Taxonomy, load_default_model, tag_document, tag_texts, theme_shares
from nlp.themes.training import load_gold

from .conftest import SODERMALM

RAPPORT = [sys.executable, "-m", "nlp"]


@pytest.fixture(scope="module")
def model():  # noqa: ANN201 - a ThemeModel
    return load_default_model()


@pytest.mark.parametrize("text", [
    "Förvaltningen arbetar för trygga anställningar och heltid som norm för alla medarbetare.",
    "Arbetsmiljön i förskolan har förbättrats genom nya rutiner för buller och ergonomi.",
    "Lärmiljön har utvecklats så att barnen får en stimulerande miljö för lek och lärande.",
    "De äldre barnen på förskolan har fått fler utflykter och mer ansvar i vardagen.",
    "Verksamheten flyttar från äldre lokaler till nyrenoverade lokaler under hösten.",
    "Socialtjänsten ska erbjuda en trygg och säker vård med hög kvalitet i alla ärenden.",
])
def test_hard_negatives_get_no_theme(model, text: str) -> None:  # noqa: ANN001
    assert tag_texts([text], model)[0]["labels"] == []


@pytest.mark.parametrize("text,expected", [
    ("Polisen och fältassistenterna har gemensamt arbetat mot öppen narkotikahandel vid tunnelbanan.", {"trygghet"}),
    ("Förvaltningen har bytt till fossilfria fordon och minskat energianvändningen i lokalerna.", {"klimat"}),
    ("Antalet äldre som beviljats hemtjänst har ökat och demensboendena har fått fler platser.", {"aldreomsorg"}),
    ("Besöksförbud infördes på vård- och omsorgsboendena för att minska smittspridningen av covid-19.",
     {"aldreomsorg", "covid19"}),
])
def test_clear_cases_are_tagged(model, text: str, expected: set[str]) -> None:  # noqa: ANN001
    record = tag_texts([text], model)[0]
    assert set(record["labels"]) == expected
    assert all(0.0 <= p <= 1.0 for p in record["scores"].values())


def test_report_tagging_has_provenance_and_plausible_shares(model) -> None:  # noqa: ANN001
    from nlp.ingest import load_document

    records = tag_document(load_document(SODERMALM), model)
    assert all({"doc", "page", "section", "labels", "scores"} <= set(r) for r in records)
    shares = theme_shares(records, model.theme_ids)
    # the spring 2020 report is dominated by the pandemic; elderly care is a large area
    assert shares["covid19"] > 0.1 and shares["aldreomsorg"] > 0.05
    assert max(shares.values()) < 0.6


def test_explain_gives_sentences_and_terms(model) -> None:  # noqa: ANN001
    text = ("Förskolorna har fått nya lekplatser. Fältassistenterna har arbetat uppsökande på kvällarna "
            "för att förebygga brott och droger bland unga.")
    record = tag_texts([text], model, explain=True)[0]
    assert "trygghet" in record["labels"]
    evidence = record["evidence"]["trygghet"]
    assert evidence["sentences"][0]["text"].startswith("Fältassistenterna")
    assert any(t["term"].startswith(("brott", "fältassistent")) for t in evidence["terms"])


def _run(args: list[str], stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(RAPPORT + args, input=stdin, capture_output=True, text=True)


def test_stdin_json_fields_pass_through() -> None:
    lines = [json.dumps({"id": "p1", "text": "Hemtjänsten besöker äldre med demenssjukdom varje dag.", "källa": "x"}),
             "Laddstolpar och solceller minskar utsläppen från verksamheten."]
    result = _run(["themes", "-"], "\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    first, second = [json.loads(line) for line in result.stdout.splitlines()]
    assert first["id"] == "p1" and first["källa"] == "x" and first["labels"] == ["aldreomsorg"]
    assert "id" not in second and second["labels"] == ["klimat"]
    assert set(first["scores"]) == {"trygghet", "klimat", "aldreomsorg", "covid19"}


def test_report_input_csv_has_provenance() -> None:
    result = _run(["themes", str(SODERMALM), "--format", "csv", "--themes", "covid19"])
    assert result.returncode == 0, result.stderr
    header = result.stdout.splitlines()[0].split(",")
    assert {"doc", "page", "section", "labels", "score_covid19"} <= set(header)
    assert "score_klimat" not in header


@pytest.mark.parametrize("args,stdin,message", [
    (["themes", "-"], "", "no input"),
    (["themes", "-", "--themes", "fotboll"], "text\n", "unknown theme"),
    (["themes", "-"], "a" * 10_000_001 + "\n", "longer than"),
    (["themes", "-"], '{"id": 1}\n', "\"text\" field"),
])
def test_bad_input_is_a_clear_error(args: list[str], stdin: str, message: str) -> None:
    result = _run(args, stdin)
    assert result.returncode != 0
    assert message in result.stderr and "Traceback" not in result.stderr


def test_gold_with_an_unknown_theme_is_refused(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "x", "text": "t", "labels": ["fotboll"], "split": "train"}) + "\n", encoding="utf-8")
    with pytest.raises(RapportError, match="unknown theme"):
        load_gold(Taxonomy.load(), gold)


def test_summary_writes_a_chart(tmp_path: Path) -> None:
    result = _run(["themes", "summary", str(SODERMALM), "--out", str(tmp_path / "teman.html")])
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "teman.html").read_text(encoding="utf-8")
    assert "<svg" in page and "covid19" in page
