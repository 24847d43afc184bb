"""Sentence splitting at Swedish abbreviations, and lossless JSON of the document model."""

from __future__ import annotations

from nlp.model import Block, BlockType, Document
from nlp.sentences import split_sentences


def test_abbreviations_do_not_split() -> None:
    text = (
        "Nämnden har bl.a. infört nya rutiner, t.ex. digitala möten, d.v.s. arbetssätt som sparar tid. "
        "Budgeten omfattar ca 5,7 mnkr enligt kap. 3 och avser nr 4 i listan. Beslutet fattades i mars."
    )
    sentences = [s.text for s in split_sentences(text)]
    assert sentences == [
        "Nämnden har bl.a. infört nya rutiner, t.ex. digitala möten, d.v.s. arbetssätt som sparar tid.",
        "Budgeten omfattar ca 5,7 mnkr enligt kap. 3 och avser nr 4 i listan.",
        "Beslutet fattades i mars.",
    ]


def test_unit_abbreviation_at_sentence_end_splits() -> None:
    sentences = [s.text for s in split_sentences("Nämnden begär 20 mnkr. Beslutet justeras omedelbart.")]
    assert sentences == ["Nämnden begär 20 mnkr.", "Beslutet justeras omedelbart."]


def test_offsets_point_into_text() -> None:
    text = "Första meningen. Andra meningen med t.ex. en förkortning."
    for sentence in split_sentences(text):
        assert text[sentence.start : sentence.end].strip() == sentence.text


def test_document_json_round_trip(sodermalm: Document) -> None:
    again = Document.from_json(sodermalm.to_json())
    assert again == sodermalm
    assert again.to_json() == sodermalm.to_json()


def test_block_record_fields() -> None:
    block = Block(BlockType.TABLE, "a | b", page=3, rows=[["a", "b"]], section=["Ekonomi"])
    assert block.to_record() == {
        "type": "table", "text": "a | b", "page": 3, "level": None, "section": ["Ekonomi"], "rows": [["a", "b"]],
    }
