"""Segmentation of the two real report extractions in corpora/."""

from __future__ import annotations

import re

from nlp.model import BlockType, Document


def _texts(doc: Document, kind: BlockType) -> list[str]:
    return [b.text for b in doc.blocks if b.type is kind]


def test_no_page_furniture_survives(sodermalm: Document, norra: Document) -> None:
    for doc in (sodermalm, norra):
        for block in doc.blocks:
            assert not re.search(r"\bSid \d+ \(\d+\)", block.text), block.text
            assert "Tjänsteutlåtande" not in block.text
            assert "start.stockholm" not in block.text
            assert not re.search(r"Tertialrapport \d+\(\d+\)", block.text), block.text


def test_paragraph_split_by_page_break_is_whole(sodermalm: Document) -> None:
    # The PDF page 5 break falls inside "Även / det interna samarbetet"; the furniture between
    # the two halves must go and the paragraph must come out as one.
    paragraphs = _texts(sodermalm, BlockType.PARAGRAPH)
    # (the report repeats the sentence later, in another section: the first is the one)
    hits = [p for p in paragraphs if "Även det interna samarbetet inom förvaltningen" in p]
    assert len(hits) == 2
    assert hits[0].startswith("Förvaltningen fortsätter samverkan mellan skola och socialtjänst.")
    assert hits[0].endswith("misstänks ha begått brott för första gången.")


def test_known_sodermalm_paragraphs_whole(sodermalm: Document) -> None:
    paragraphs = _texts(sodermalm, BlockType.PARAGRAPH)
    expected = (
        "Förvaltningens arbete med att, genom platssamverkan, utveckla Medborgarplatsen och Björns "
        "trädgård fortsätter. Målsättningen är att tillsammans med polis, lokala näringslivet, "
        "fastighetsägare, civilsamhället med flera utveckla trygghetsskapande, brottsförebyggande och "
        "trivselskapande åtgärder på platserna."
    )
    assert any(p.startswith(expected) and p.endswith("tagit fram en lokal samverkansöverenskommelse.") for p in paragraphs)
    # a paragraph continued after the "Sid 41 (72)" page header
    assert any(
        "följa upp upphandlad verksamhet. Ett stöd i arbetet är stadens samverkansyta som ger vägledning vid inköp." in p
        and p.startswith("Förvaltningen fortsätter att arbeta för att det ska finnas kompetens")
        for p in paragraphs
    )


def test_double_spaced_extraction_paragraphs_whole(norra: Document) -> None:
    paragraphs = _texts(norra, BlockType.PARAGRAPH)
    assert (
        "Arbetet med att implementera Bryt upp, ett sammanhållet stöd för våldsutsatta, har påbörjats "
        "under perioden. Syftet med metoden är att hjälpa våldsutsatta att lämna destruktiva relationer "
        "och skapa ett tryggt och meningsfullt liv."
    ) in paragraphs
    # wrapped lines are joined with single spaces, never with the extraction's empty lines
    assert all("\n" not in p and "  " not in p for p in paragraphs)


def test_goal_hierarchy_and_sections(norra: Document) -> None:
    headings = [b for b in norra.blocks if b.type is BlockType.HEADING]
    goal = next(h for h in headings if h.text.startswith("KF:s inriktningsmål: 1."))
    area = next(h for h in headings if h.text.startswith("KF:s mål för verksamhetsområdet: 1.1 "))
    board = next(h for h in headings if h.text.startswith("Nämndmål: 1.1.1 "))
    assert (goal.level, area.level, board.level) == (2, 3, 4)
    # the wrapped heading line "fritid" is part of the heading
    assert board.text.endswith("en meningsfull fritid")
    assert board.section[-2:] == [goal.text, area.text]
    analysis = next(
        b for b in norra.blocks[norra.blocks.index(board):] if b.type is BlockType.HEADING and b.text == "Analys"
    )
    assert analysis.level == 5 and analysis.section[-1] == board.text


def test_wrapped_goal_heading_with_label_line(sodermalm: Document) -> None:
    texts = _texts(sodermalm, BlockType.HEADING)
    assert (
        "KF:s mål för verksamhetsområdet: 2.2. Stockholm byggs attraktivt, tätt och funktionsblandat "
        "utifrån människors och verksamheters skiftande behov"
    ) in texts
    assert "Nämndmål: 2.1.2. Det är tryggt och säkert att vara företagare i Södermalms stadsdelsområde" in texts


def test_list_items_without_glyphs(norra: Document, sodermalm: Document) -> None:
    items = _texts(norra, BlockType.LIST_ITEM)
    assert (
        "Verksamhetsbesök på samtliga öppna förskolor inför implementeringen av stadens nya "
        "stadsövergripande Program för öppen förskola, med fokus på nulägesbild och behovsinventering."
    ) in items
    assert "Andelen upphandlad verksamhet i förhållande till den totala verksamheten ökar." in _texts(
        sodermalm, BlockType.LIST_ITEM
    )
    assert not any(i.startswith(("•", "- ", "– ")) for i in items)


def test_indicator_tables_do_not_pollute_prose(norra: Document, sodermalm: Document) -> None:
    for doc in (norra, sodermalm):
        tables = [b for b in doc.blocks if b.type is BlockType.TABLE]
        assert tables and all(t.rows for t in tables)
        for p in _texts(doc, BlockType.PARAGRAPH):
            assert not re.fullmatch(r"[\d\s,%-]+", p), p  # bare figures
            assert not re.match(r"^\d{4}-\d{2}-\d{2} \d{4}-\d{2}-\d{2}", p), p  # activity dates
    activity = [t for t in _texts(sodermalm, BlockType.TABLE) if "Använda stadens gemensamma arbetssätt" in t]
    assert activity and "2019-01-01 2020-12-31" in activity[0]


def test_real_hyphens_kept_in_corpus(norra: Document) -> None:
    text = "\n".join(b.text for b in norra.blocks)
    assert "hbtqi-frågor" in text
    assert "kvälls- och nattidrottsaktiviteter" in text
    assert "LSS-verksamheter" in text or "LSS-boende" in text


def test_metadata_from_manifest_and_pages(sodermalm: Document, norra: Document) -> None:
    assert sodermalm.info()["district"] == "Södermalm"
    assert (sodermalm.year, sodermalm.report_type, sodermalm.period) == (2020, "tertialrapport", "T1")
    assert norra.district == "Norra innerstaden" and norra.year == 2025
    assert sodermalm.pages == 72 and norra.pages == 97
    # page numbers come from the "Sid N (M)" markers: the page-5 paragraph is on page 4-5
    assert sodermalm.pages_estimated
    pages = [b.page for b in sodermalm.blocks]
    assert all(p is not None for p in pages) and pages == sorted(pages)


def test_sentences_respect_abbreviations(norra: Document) -> None:
    sentences = [s.text for b in norra.blocks for s in b.sentences]
    assert len(sentences) > 1000
    assert not any(s.endswith(("bl.a.", "t.ex.", "d.v.s.")) for s in sentences)
