"""Goals as data: the goal hierarchy, assessments and indicators of real and generated reports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nlp.goals import extract_goals, parse_goal_heading, sentence_assessment, status_assessment
from nlp.ingest import load_document
from nlp.model import Document

from .conftest import SODERMALM

ROOT = Path(__file__).resolve().parents[1]


def by_number(doc: Document) -> dict[str, object]:
    return {g.number: g for g in extract_goals(doc)}


def test_corpus_goal_hierarchy_kinds_and_parents(sodermalm: Document, norra: Document) -> None:
    goals = extract_goals(sodermalm)
    kinds = [g.kind for g in goals]
    assert kinds.count("inriktningsmål") == 3 and kinds.count("verksamhetsområdesmål") == 12
    sod = by_number(sodermalm)
    assert sod["1.2.2"].goal == "Södermalms parker vårdas, bevaras och utvecklas"
    assert sod["1.2.2"].parent == "Stockholm är en trygg, säker och välskött stad att bo och vistas i"
    assert sod["1.2"].parent_number == "1" and sod["1"].parent is None
    # a goal wrapped over two lines of the extraction is one goal text
    assert by_number(norra)["1.1.1"].goal == ("Barn och unga har en trygg och jämlik uppväxt och en meningsfull "
                                               "fritid")


def test_assessments_from_status_lines_and_sentences(sodermalm: Document) -> None:
    sod = by_number(sodermalm)
    assert sod["1.2.2"].assessment == "delvis" and sod["1.2.2"].assessment_source == "status"
    assert sod["3.2"].assessment == "delvis"
    # the inriktningsmål of 2020 have no status line; the analysis says how it goes
    assert sod["1"].assessment == "helt" and sod["1"].assessment_source == "sentence"
    assert "inriktningsmålet" in sod["1"].assessment_text


def test_indicator_rows_from_a_text_extraction(sodermalm: Document, norra: Document) -> None:
    rows = {i.name: i for i in by_number(sodermalm)["1.1"].indicators}
    assert rows["Antal aspiranter som fått Stockholmsjobb"].values == ["16 st", "9 st", "7 st", "30 st", "45 st",
                                                                       "45 st", "800 st"]
    assert rows["Antal aspiranter som fått Stockholmsjobb"].period == "Tertial 1 2020"
    assert rows["Antal ungdomar som fått feriejobb i stadens regi"].target == "9 000 st"
    # a header broken into fragments is not an indicator; a committee-set target ends the row
    norra_rows = {i.name: i for i in by_number(norra)["1.2"].indicators}
    assert not any(name.startswith(("Indikator", "Periodens", "män/")) for name in norra_rows)
    assert norra_rows["Inskrivningsgrad i förskola"].values[-1] == "Tas fram av nämnd"
    assert norra_rows["Antal barn per legitimerad förskollärare"].outcome == "16 st"


@pytest.mark.parametrize("text, expected", [
    ("KF:s inriktningsmål: 2. Ett grönt Stockholm", ("inriktningsmål", "2", "Ett grönt Stockholm")),
    ("KF:s mål för verksamhetsområdet: 1.3. Alla barn", ("verksamhetsområdesmål", "1.3", "Alla barn")),
    ("Nämndmål: 1.1.1. Vuxna försörjer sig själva", ("nämndmål", "1.1.1", "Vuxna försörjer sig själva")),
    ("Sammanfattande analys", None),
    ("Målet för verksamheten är att alla ska trivas", None),
])
def test_goal_headings(text: str, expected: tuple | None) -> None:
    assert parse_goal_heading(text) == expected


@pytest.mark.parametrize("line, degree", [("Uppfylls helt", "helt"), (" Uppfylls delvis", "delvis"),
                                          ("Uppfylls inte", "inte"), ("Ej uppfyllt", "inte"),
                                          ("Delvis uppfyllt", "delvis"), ("Uppfyllt", "helt"),
                                          ("Uppföljning av ekonomi", None)])
def test_status_lines(line: str, degree: str | None) -> None:
    assert status_assessment(line) == degree


def test_assessment_sentences_and_distractors() -> None:
    assert sentence_assessment("Förvaltningen gör bedömningen att nämndmålet kommer att uppnås.", "nämndmål")[0] == "helt"
    assert sentence_assessment("Förvaltningen bedömer att målet delvis kommer att uppfyllas.", "nämndmål")[0] == "delvis"
    assert sentence_assessment("Förvaltningen gör bedömningen att nämndmålet inte kommer att uppnås.", "nämndmål")[0] == "inte"
    assert sentence_assessment("Resultatet kommer i maj, förväntan är att indikatorn uppfylls.", "nämndmål") is None


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    from evaluation.generate_pdfs import build_pdf, load_material

    path = tmp_path_factory.mktemp("goals") / "rapport.pdf"
    truth = build_pdf(path, 7, 8, load_material(ROOT / "corpora"), assessments=True)
    return path, truth


def test_generated_pdf_goals_match_the_truth(generated: tuple[Path, dict]) -> None:
    path, truth = generated
    found = {g.number: g for g in extract_goals(load_document(path))}
    assert len(truth["goals"]) >= 6 and set(found) == {t["number"] for t in truth["goals"]}
    for t in truth["goals"]:
        goal = found[t["number"]]
        assert (goal.goal, goal.kind, goal.parent, goal.assessment) == (t["goal"], t["kind"], t["parent"], t["assessment"])
        assert goal.page == t["page"]
        assert [(i.name, i.outcome, i.forecast, i.target, i.period) for i in goal.indicators] == \
            [(i["name"], i["outcome"], i["forecast"], i["target"], i["period"]) for i in t["indicators"]]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "nlp", "goals", *args], capture_output=True, text=True, env=env)


def test_cli_goals_jsonl_csv_and_filters(generated: tuple[Path, dict], tmp_path: Path) -> None:
    result = run_cli(str(SODERMALM), str(generated[0]), "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert {r["doc"] for r in records} == {"sodermalm_2020_tertialrapport-1", "rapport"}
    for record in records:
        assert {"goal", "kind", "parent", "assessment", "page", "doc", "district", "year", "indicators"} <= record.keys()
        for ind in record["indicators"]:
            assert {"name", "outcome", "forecast", "target", "period"} <= ind.keys()
    partly = run_cli(str(SODERMALM), "--format", "csv", "--assessment", "delvis", "--out", str(tmp_path / "g.csv"))
    assert partly.returncode == 0
    lines = (tmp_path / "g.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 and all(",delvis," in line for line in lines[1:])


def test_cli_goals_bad_input_is_a_message(tmp_path: Path) -> None:
    missing = run_cli(str(tmp_path / "saknas.pdf"))
    assert missing.returncode != 0 and "no such file" in missing.stderr and "Traceback" not in missing.stderr
    plain = tmp_path / "plain.txt"
    plain.write_text("Inledning\n\nDet här är en rapport utan mål.\n", encoding="utf-8")
    empty = run_cli(str(plain))
    assert empty.returncode == 0 and "(no goals found)" in empty.stdout
    bad_kind = run_cli(str(plain), "--kind", "delmål")
    assert bad_kind.returncode == 2 and "invalid choice" in bad_kind.stderr
