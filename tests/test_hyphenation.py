"""End-of-line hyphenation repair decided with the Swedish lexicon and the document."""

from __future__ import annotations

import pytest

from nlp.ingest.hyphenation import HyphenationRepairer, close_acronym_gaps, is_known_word
from nlp.ingest.text import text_to_lines
from nlp.ingest.segment import segment_lines


@pytest.mark.parametrize(
    ("head", "tail", "expected"),
    [
        ("förvalt", "ningen", "förvaltningen"),  # a word split at the line end
        ("verksam", "heten.", "verksamheten."),
        ("klimatinvesterings", "medel", "klimatinvesteringsmedel"),  # compound, not in the word list
        ("äldre", "och", "äldre- och"),  # suspended compound
        ("kvälls", "och", "kvälls- och"),
        ("LSS", "boende", "LSS-boende"),  # acronym compound
        ("covid", "19", "covid-19"),
        ("Rinkeby", "Kista", "Rinkeby-Kista"),
        ("hbtqi", "frågor", "hbtqi-frågor"),
        ("e", "tjänster", "e-tjänster"),
    ],
)
def test_join_decisions(head: str, tail: str, expected: str) -> None:
    assert HyphenationRepairer().join(head, tail) == expected


def test_document_evidence_wins() -> None:
    # The document writes "unga vuxna-mässa" with a hyphen mid-line, so a line-end split keeps it.
    repairer = HyphenationRepairer().fit(["deltagit i en unga vuxna-mässa i syfte att", "en annan rad"])
    assert repairer.join("vuxna", "mässa") == "vuxna-mässa"
    assert HyphenationRepairer().join("vuxna", "mässa") == "vuxnamässa"


def test_lexicon_knows_compounds() -> None:
    assert is_known_word("förvaltningen")
    assert is_known_word("trygghetsinvesteringar")
    assert not is_known_word("utveckl")  # a fragment, not a word


def test_soft_hyphen_and_fffe_in_text() -> None:
    text = (
        "Förvaltningen har under perioden arbetat vidare med det förebyggande arbetet för att för\u00ad\n"
        "bättra tryggheten i stadsdelsområdet och samarbetat med polisen och civilsamhället i frå\ufffe\n"
        "gor om trygghet. Arbetet fortsätter.\n"
    )
    lines, _ = text_to_lines(text)
    blocks = segment_lines(lines, "text")
    assert len(blocks) == 1
    assert "för att förbättra tryggheten" in blocks[0].text
    assert "i frågor om trygghet" in blocks[0].text
    assert "\u00ad" not in blocks[0].text and "\ufffe" not in blocks[0].text


# Regression tests for bugs found on generated PDFs.
def test_plural_ending_men_is_not_a_conjunction() -> None:
    assert HyphenationRepairer().join("leveransproble", "men.") == "leveransproblemen."


def test_function_word_is_not_a_compound_tail() -> None:
    assert not is_known_word("äldreoch")
    assert HyphenationRepairer().join("vård", "och") == "vård- och"


def test_two_short_words_keep_their_hyphen() -> None:
    assert HyphenationRepairer().join("drop", "in") == "drop-in"
    assert HyphenationRepairer().join("led", "ningen") == "ledningen"


# Acronym compounds (issue 17): the extractor left a space after the acronym's hyphen.
@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # corpora/norra-innerstaden_2025_tertialrapport-1.txt, lines 7996 and 3027
        ("Årets budget prognostiseras att öka beroende på prestationsförändringar för LSS- insatser,",
         "Årets budget prognostiseras att öka beroende på prestationsförändringar för LSS-insatser,"),
        ("sjukvården exempelvis med husläkarmottagningar, SÄBO- läkare,",
         "sjukvården exempelvis med husläkarmottagningar, SÄBO-läkare,"),
        # line 4383: a suspended compound keeps its space
        ("AI-verktyg inom LSS- och hemtjänstverksamheten.", "AI-verktyg inom LSS- och hemtjänstverksamheten."),
        ("trygghet - LSS-", "trygghet - LSS-"),
        ("kvälls- och nattidrott", "kvälls- och nattidrott"),
    ],
)
def test_acronym_gap_closed(line: str, expected: str) -> None:
    assert close_acronym_gaps(line) == expected


def test_acronym_hyphen_at_line_end_joins_the_word() -> None:
    assert HyphenationRepairer().join("SÄBO", "läkare") == "SÄBO-läkare"
    text = (
        "Förvaltningen samarbetar med den regionfinansierade vården, exempelvis med husläkare och SÄBO-\n"
        "läkare, och med rehabiliteringen. Samarbetet har utvecklats under perioden inom verksam-\n"
        "heten och fortsätter med kvälls- och nattidrott för unga.\n"
    )
    blocks = segment_lines(text_to_lines(text)[0], "text")
    assert "husläkare och SÄBO-läkare, och" in blocks[0].text
    assert "inom verksamheten och" in blocks[0].text
    assert "kvälls- och nattidrott" in blocks[0].text


def test_corpus_acronym_compounds(norra) -> None:
    texts = [b.text for b in norra.blocks]
    assert any("prestationsförändringar för LSS-insatser, från 651" in t for t in texts)
    assert any("husläkarmottagningar, SÄBO-läkare," in t for t in texts)
    assert any("inom LSS-verksamheter. Även" in t for t in texts)  # line 273, split at the line end
    assert any("stadens ANDTS-program, där" in t for t in texts)  # line 2135
    assert any("SPF samt PRO-föreningar." in t for t in texts)  # line 3123
    assert any("AI-verktyg inom LSS- och hemtjänstverksamheten" in t for t in texts)
    assert not any(" LSS- insatser" in t or "SÄBO- läkare" in t for t in texts)
