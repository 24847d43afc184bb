"""The shared document model, the analysis stage and the service rules every layer relies on."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from nlp.analysis import COMPONENTS, Analyzer, UnknownComponentError
from nlp.errors import InputError
from nlp.goals import GOAL_HEADING, STATUS_LINE
from nlp.ingest import load_document
from nlp.ingest.segment import GOAL_LABELS, STATUS
from nlp.model import Block, BlockType, Document, ProgramSpan, ThemeAnnotation
from nlp.reuse import corpus_reuse, reuse_sources

from .conftest import SODERMALM


@pytest.fixture(scope="module")
def analysed() -> Document:
    return Analyzer.from_config()(load_document(SODERMALM))


def test_blocks_keep_their_id_source_lines_and_the_furniture_removed(sodermalm: Document) -> None:
    assert [b.id for b in sodermalm.blocks] == list(range(len(sodermalm.blocks)))
    assert sodermalm.passage_id(sodermalm.blocks[7]) == f"{sodermalm.id}#7"
    # a paragraph's source lines are the lines as read: rejoining them gives its text back (modulo repairs)
    paragraph = next(b for b in sodermalm.blocks if b.type is BlockType.PARAGRAPH and len(b.source_lines) > 2)
    assert " ".join(paragraph.source_lines).split()[:3] == paragraph.text.split()[:3]
    # a hyphenated line end is repaired in the text and kept, as read, in the source lines
    repaired = [b for b in sodermalm.blocks if any(re.search(r"\w-$", line) for line in b.source_lines[:-1])]
    assert repaired, "the corpus has words hyphenated at line ends"
    assert any(not re.search(r"\w- ", b.text) for b in repaired)
    reasons = {f.reason for f in sodermalm.furniture}
    assert "page-number" in reasons and any(f.text.startswith("Sid ") for f in sodermalm.furniture)
    assert not any(b.text == f.text for f in sodermalm.furniture for b in sodermalm.blocks)


def test_analysed_document_round_trips_through_json(analysed: Document) -> None:
    text = analysed.to_json()
    again = Document.from_json(text)
    assert again.to_json() == text
    assert json.loads(text)["schema_version"] == 3
    assert set(again.analysis) == {"themes", "programs", "goals"}
    themed = [b for b in again.passages if b.analysis.themes and b.analysis.themes.labels]
    assert themed and all(isinstance(b.analysis.themes, ThemeAnnotation) for b in themed)
    spans = [s for b in again.blocks for s in b.analysis.programs]
    assert spans and all(isinstance(s, ProgramSpan) for s in spans)
    for block in again.blocks:
        for span in block.analysis.programs:
            assert block.text[span.start:span.end] == span.text
    goals = [b for b in again.blocks if b.analysis.goal]
    assert goals and all(b.type is BlockType.HEADING for b in goals)


def test_version_2_documents_are_still_read(sodermalm: Document) -> None:
    data = json.loads(sodermalm.to_json())
    data["schema_version"] = 2
    data.pop("furniture")
    data.pop("analysis")
    for block in data["blocks"]:
        block.pop("id", None)
        block.pop("source_lines", None)
        block.pop("analysis", None)
    old = Document.from_dict(data)
    assert [b.text for b in old.blocks] == [b.text for b in sodermalm.blocks]
    assert old.blocks[3].id == 3 and old.furniture == [] and old.blocks[3].analysis.is_empty()


def test_analyzer_runs_the_configured_components_and_refuses_unknown_ones() -> None:
    assert {"themes", "programs", "goals"} <= set(COMPONENTS)
    assert Analyzer.from_config(disable=["programs"]).names == ["themes", "goals"]
    with pytest.raises(UnknownComponentError, match="sentiment"):
        Analyzer.from_config(disable=["sentiment"])
    document = Document(id="d", source_path="d.txt", content_hash="d", blocks=[
        Block(BlockType.HEADING, "Trygghet", level=1),
        Block(BlockType.PARAGRAPH, "Nattvandringar och trygghetsvandringar har genomförts i parkerna.",
              section=["Trygghet"])])
    Analyzer.from_config(disable=["programs", "goals"])(document)
    assert document.blocks[0].analysis.themes is None  # a heading is not a passage
    themes = document.blocks[1].analysis.themes
    assert themes is not None and "trygghet" in themes.labels and themes.scores["trygghet"] > 0.5


def test_batch_rows_and_the_index_read_the_analysis(analysed: Document, tmp_path: Path) -> None:
    from nlp.batch import document_rows
    from nlp.search import Filters, Index

    rows, report = document_rows(analysed)
    by_id = {analysed.passage_id(b): b for b in analysed.passages}
    for row in rows:
        block = by_id[row["passage_id"]]
        assert row["labels"] == block.analysis.themes.labels
        assert row["programs"] == sorted(block.analysis.program_names)
    with pytest.raises(Exception, match="not analysed"):
        document_rows(load_document(SODERMALM))
    index = Index.open(tmp_path / "idx", create=True, encoder=None)
    index.add_document(analysed)
    hits = index.search("trygghet i parker", top_k=5, mode="bm25", filters=Filters(theme="trygghet"))
    assert hits and all("trygghet" in h.passage.themes for h in hits)
    assert {p.id for p in index.passages if p.themes} == {analysed.passage_id(b) for b in analysed.passages
                                                           if b.analysis.themes.labels}


def test_search_errors_carry_codes_that_the_web_translates(tmp_path: Path, analysed: Document) -> None:
    from nlp.search import Filters, Index
    from nlp.web.services import swedish

    index = Index.open(tmp_path / "idx", create=True, encoder=None)
    index.add_document(analysed)
    with pytest.raises(InputError) as caught:
        index.search("ord " * 5000, mode="bm25")
    assert caught.value.code == "query_too_long" and caught.value.params["chars"] == 20000
    assert swedish(caught.value) == "Sökfrågan har 20000 tecken; gränsen är 1000."
    with pytest.raises(InputError) as caught:
        index.search("park", mode="bm25", filters=Filters(theme="väder"))
    assert caught.value.code == "unknown_theme" and "Okänt tema 'väder'" in swedish(caught.value)


def test_one_rule_for_reuse_sources() -> None:
    years = {"t1-2024": 2024, "t2-2024": 2024, "vb-2023": 2023, "t1-2025": 2025, "okänd": None}
    assert sorted(reuse_sources("t2-2024", years)) == ["okänd", "t1-2024", "vb-2023"]
    assert "t2-2024" in reuse_sources("t1-2024", years)  # same year: both ways
    assert reuse_sources("vb-2023", years) == ["okänd"]


def test_corpus_reuse_never_takes_a_later_report_as_source(sodermalm: Document) -> None:
    later = copy.deepcopy(sodermalm)
    later.id, later.year = "sodermalm-2021", 2021
    reports = {r.doc: r for r in corpus_reuse([sodermalm, later])}
    assert reports["sodermalm-2021"].reused_share > 0.9
    assert reports[sodermalm.id].reused_share == 0


@pytest.mark.parametrize("heading", [
    "KF:s inriktningsmål 1: Stockholm är en stad för alla",
    "KF:s mål för verksamhetsområdet 1.2: Barn och unga har en meningsfull fritid",
    "Nämndmål: Äldre känner sig trygga",
    "Nämndens mål 3: Fler i arbete",
    "Övergripande mål 2: En hållbar kommun",
])
def test_segmenter_and_goals_read_the_same_goal_labels(heading: str) -> None:
    """The two views of the goal labels in the vocabulary file agree on what a goal heading is."""
    assert any(pattern.match(heading) for pattern, _ in GOAL_LABELS)
    assert GOAL_HEADING.match(heading)


@pytest.mark.parametrize("line", ["Uppfylls helt", "Delvis uppfyllt", "Uppnås inte", "Målet bedöms delvis uppfyllas"])
def test_segmenter_and_goals_read_the_same_status_lines(line: str) -> None:
    assert STATUS.match(line) and STATUS_LINE.match(line)


def test_a_configured_programs_model_is_the_one_loaded() -> None:
    """Regression: the programs component ignored its ``model`` setting and always loaded models/programs."""
    from nlp.errors import RapportError

    document = Document(id="d", source_path="d.txt", content_hash="d",
                        blocks=[Block(BlockType.PARAGRAPH, "Projektet Bryt upp har startat i Rinkeby.")])
    Analyzer.from_config(disable=["themes", "goals"], overrides={"programs": {"model": "programs-eval"}})(document)
    assert document.blocks[0].analysis.program_names == ["Bryt upp"]
    assert document.analysis["programs"]["model"] == "programs-eval"
    with pytest.raises(RapportError, match="not a folder"):
        Analyzer.from_config(disable=["themes", "goals"], overrides={"programs": {"model": "no-such-model"}})(document)
