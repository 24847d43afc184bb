"""Regression tests for segmentation rules (bugs found on generated PDFs and corpus text)."""

from __future__ import annotations

from nlp.ingest.furniture import is_pattern_furniture
from nlp.ingest.lines import Line
from nlp.model import BlockType
from nlp.ingest.segment import segment_lines


def test_running_text_starting_with_handlaggare_is_not_furniture() -> None:
    assert not is_pattern_furniture("handläggare som arbetar med målgruppen. Dessa har färre ärenden")
    assert is_pattern_furniture("Handläggare: Anna Berg")
    assert is_pattern_furniture("Sid 4 (72)") and is_pattern_furniture("Norra innerstadens stadsdelsnämnd, Tertialrapport 13(97)")


def _pdf_line(text: str, fill: float = 1.0, **kwargs: object) -> Line:
    return Line(text=text, page=kwargs.pop("page", 1), fill=fill, size=10.0, **kwargs)  # type: ignore[arg-type]


def test_justified_last_line_at_page_end_closes_paragraph() -> None:
    lines = [
        _pdf_line("Förvaltningen har under perioden arbetat med att utveckla samverkan med civil-", page=1),
        _pdf_line("samhället om vad staden erbjuder för alternativa transportmöjligheter.", fill=0.97, page=1),
        _pdf_line("Inom hälsofrämjande för äldreomsorgen finns sju anslagsfinansierade enheter med", page=2,
                  page_break_before=True),
        _pdf_line("öppna träfflokaler och aktivitetscenter.", fill=0.4, page=2),
    ] + [_pdf_line(f"Rad {n} i ett stycke som fyller hela raden ut till högerkanten av spalten och", page=2) for n in range(6)]
    blocks = segment_lines(lines, "pdf")
    assert blocks[0].text.endswith("alternativa transportmöjligheter.")
    assert blocks[1].text.startswith("Inom hälsofrämjande")


def test_number_at_margin_inside_a_sentence_is_not_a_list_item() -> None:
    lines = [
        _pdf_line("Barnet har informerats om rätten till delaktighet och anledningen till utredning,"),
        _pdf_line("2. Barnet har getts möjlighet att komma till tals i utredningen.", fill=0.6),
    ]
    blocks = segment_lines(lines, "pdf")
    assert len(blocks) == 1 and blocks[0].type is BlockType.PARAGRAPH
    assert "utredning, 2. Barnet har getts" in blocks[0].text


def test_value_only_text_lines_become_table_rows() -> None:
    from nlp.ingest.text import text_to_lines

    text = (
        "Resultatet från förskoleundersökningen kommer i maj månad, förväntan är att indikatorn uppfylls.\n"
        "   91 %  91 %  2025 \n"
        "Analys\n"
        "Förvaltningen bedömer att målet kommer att uppnås under året och att indikatorn uppfylls.\n"
    )
    lines, _ = text_to_lines(text)
    kinds = [b.type for b in segment_lines(lines, "text")]
    assert kinds == [BlockType.PARAGRAPH, BlockType.TABLE, BlockType.HEADING, BlockType.PARAGRAPH]


def test_short_line_without_full_stop_at_page_end_closes_paragraph() -> None:
    # Found by the reuse test report: "Trädförnyelse (2,0 mnkr)" at the foot of a page was
    # glued to the next page's paragraph because it has no full stop.
    lines = [_pdf_line(f"Rad {n} i ett stycke som fyller hela raden ut till högerkanten av spalten och", page=1)
             for n in range(4)] + [
        _pdf_line("Trädförnyelse (2,0 mnkr)", fill=0.3, page=1, gap_before=True),
        _pdf_line("Under perioden har val av platser för plantering av träd pågått och platser där", page=2,
                  page_break_before=True),
        _pdf_line("träd har tagits ned har prioriterats.", fill=0.5, page=2),
    ]
    blocks = segment_lines(lines, "pdf")
    assert [b.text for b in blocks][-2:] == [
        "Trädförnyelse (2,0 mnkr)",
        "Under perioden har val av platser för plantering av träd pågått och platser där träd har tagits ned har prioriterats.",
    ]


def test_full_line_at_page_end_continues_on_next_page() -> None:
    lines = [
        _pdf_line("Förvaltningen har under perioden arbetat vidare med att utveckla samverkan med", page=1),
        _pdf_line("Polisen och civilsamhället om trygghetsskapande åtgärder i stadsdelsområdets", page=2,
                  page_break_before=True),
        _pdf_line("parker.", fill=0.1, page=2),
    ]
    blocks = segment_lines(lines, "pdf")
    assert len(blocks) == 1 and blocks[0].text.endswith("stadsdelsområdets parker.")


# Tables of contents (issue 17): kept as a "toc" block with [title, page] rows, not prose,
# and the "Innehåll" heading is no section of the body.
TOC_TEXT = """Innehållsförteckning

Sammanfattande analys ........................................ 3
Uppföljning av kommunfullmäktiges
inriktningsmål ............................................... 5
Ekonomi . . . . . . . . . . . . . . . . . . . . . . . . . . . 21

Sammanfattande analys

Förvaltningen gör bedömningen att inriktningsmålet kommer att uppfyllas under året.
"""


def test_toc_in_text_extraction_is_a_toc_block() -> None:
    from nlp.ingest.text import text_to_lines

    blocks = segment_lines(text_to_lines(TOC_TEXT)[0], "text")
    toc = [b for b in blocks if b.type is BlockType.TOC]
    assert len(toc) == 1 and not toc[0].is_passage
    assert toc[0].rows == [["Sammanfattande analys", "3"], ["Uppföljning av kommunfullmäktiges inriktningsmål", "5"],
                           ["Ekonomi", "21"]]
    assert toc[0].text.startswith("Innehållsförteckning\n")
    heading = next(b for b in blocks if b.type is BlockType.HEADING)
    assert heading.text == "Sammanfattande analys" and heading.section == []
    paragraph = blocks[-1]
    assert paragraph.type is BlockType.PARAGRAPH and paragraph.section == ["Sammanfattande analys"]
    assert not any("...." in b.text for b in blocks if b.is_passage)


def test_toc_rows_without_heading_need_leaders() -> None:
    lines = [
        _pdf_line("Uppdrag .............................. 3", fill=0.9),
        _pdf_line("Ekonomiskt resultat .................. 4", fill=0.9),
        _pdf_line("Nämnden redovisar ett överskott om 2,4 miljoner kronor för året 2025.", fill=0.8),
    ]
    blocks = segment_lines(lines, "pdf")
    assert [b.type for b in blocks] == [BlockType.TOC, BlockType.PARAGRAPH]
    # a line of prose ending in a number is no row without an "Innehåll" heading
    prose = [_pdf_line("Antalet besökare ökade under perioden till 2025", fill=0.7),
             _pdf_line("Fritidsgårdarna nådde fler unga 12", fill=0.5)]
    assert all(b.type is not BlockType.TOC for b in segment_lines(prose, "pdf"))


def test_toc_round_trips_through_json() -> None:
    from nlp.ingest.text import text_to_lines
    from nlp.model import Document

    blocks = segment_lines(text_to_lines(TOC_TEXT)[0], "text")
    doc = Document(id="t", source_path="t.txt", content_hash="x", blocks=blocks)
    again = Document.from_json(doc.to_json())
    assert again.blocks[0].type is BlockType.TOC and again.blocks[0].rows == blocks[0].rows
    assert all(b.type is not BlockType.TOC for b in again.passages)


# Goal hierarchy after a summary (issue 17, item 3): the goal headings after "Sammanfattande
# analys" belong to "Uppföljning av kommunfullmäktiges inriktningsmål", not to the summary.
def test_goal_headings_are_not_filed_under_the_summary(norra, sodermalm) -> None:
    for doc in (norra, sodermalm):
        goals = [b for b in doc.blocks if b.type is BlockType.HEADING and b.text.startswith(("KF:s", "Nämndmål"))]
        assert goals
        for block in goals:
            assert block.section and block.section[0].casefold() == "uppföljning av kommunfullmäktiges inriktningsmål"


def test_goals_after_summary_without_follow_up_heading_start_their_own_hierarchy() -> None:
    from nlp.ingest.text import text_to_lines

    text = (
        "Sammanfattande analys\n\n"
        "Förvaltningen gör bedömningen att inriktningsmålet kommer att uppfyllas under året.\n\n"
        "KF:s inriktningsmål: 1. En modern storstad med möjligheter och valfrihet för alla\n\n"
        "KF:s mål för verksamhetsområdet: 1.1 I Stockholm är människors lika värde grunden\n\n"
        "Nämndmål: 1.1.1 Barn och unga har en trygg och jämlik uppväxt\n\n"
        "Analys\n\n"
        "Förvaltningen har under perioden arbetat med att utveckla samverkan med skolorna.\n"
    )
    blocks = segment_lines(text_to_lines(text)[0], "text")
    headings = {b.text.split(": ")[0]: b for b in blocks if b.type is BlockType.HEADING}
    assert headings["Sammanfattande analys"].level == 1
    assert headings["KF:s inriktningsmål"].section == []
    assert headings["KF:s mål för verksamhetsområdet"].section[0].startswith("KF:s inriktningsmål")
    assert blocks[-1].section[-1] == "Analys" and "Sammanfattande analys" not in blocks[-1].section


def test_end_of_line_checks_agree_with_their_patterns() -> None:
    """The sentence-end and line-end-hyphen checks look at the end of a line instead of
    searching along it; on every short string over the characters that matter they say
    what the regular expressions say (long lines included, for the hyphen's window)."""
    import random

    from nlp.ingest.segment import HYPHEN_END, HYPHEN_WINDOW, TERMINAL, _ends_sentence, _hyphen_head

    rng = random.Random(7)
    alphabet = "ab .!?:'\"”»)\n,-é1_"
    for _ in range(50_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 7)))
        assert _ends_sentence(text) == bool(TERMINAL.search(text)), repr(text)
        match = HYPHEN_END.search(text)
        assert _hyphen_head(text) == ((match.start(), match["head"]) if match else None), repr(text)
    word = "välfärdsteknik" * (HYPHEN_WINDOW // 10)  # a "word" longer than the window
    for text in (f"Inom {word}-", word + "-", "a " * 100 + "trygghets-", "slut -"):
        match = HYPHEN_END.search(text)
        assert _hyphen_head(text) == ((match.start(), match["head"]) if match else None)
