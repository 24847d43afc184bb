"""Regression tests for segmentation rules (bugs found on generated PDFs and corpus text)."""

from __future__ import annotations

from nlp.furniture import is_pattern_furniture
from nlp.ingest.lines import Line
from nlp.model import BlockType
from nlp.segment import segment_lines


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
