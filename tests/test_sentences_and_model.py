"""Sentence splitting at Swedish abbreviations, and lossless JSON of the document model."""

from __future__ import annotations

from nlp.model import Block, BlockType, Document
from nlp.ingest.sentences import split_sentences


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


def test_fast_path_gives_the_sentences_spacy_gives(sodermalm: Document) -> None:
    # blocks without an inner sentence mark skip spaCy; the result must be the same
    from nlp.model import Sentence
    from nlp.ingest.sentences import sentence_pipeline, split_many

    texts = [b.text for b in sodermalm.blocks] + ["Mål och uppdrag", "Uppfylls delvis.", "Se 1.2.3 nedan",
                                                  "”Klart.” Nästa steg", "Hej!"]
    nlp = sentence_pipeline()
    slow = [[Sentence(text=s.text.strip(), start=s.start_char, end=s.end_char) for s in doc.sents if s.text.strip()]
            for doc in nlp.pipe(texts)]
    assert list(split_many(texts, batch_size=7)) == slow  # a small batch: order kept across batches


def test_passage_ids_are_built_and_read_in_one_place() -> None:
    from nlp.model import parse_passage_id, passage_id

    assert passage_id("sodermalm_2020_tertialrapport-1", 12) == "sodermalm_2020_tertialrapport-1#12"
    assert parse_passage_id("rapport#2021#7") == ("rapport#2021", 7)  # the last "#" separates
    import pytest

    for bad in ("no-number", "doc#", "doc#x"):
        with pytest.raises(ValueError):
            parse_passage_id(bad)
