"""The line stream that PDF and text readers produce and the segmenter consumes."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Line:
    """One physical line of a report, in reading order.

    ``fill`` is how far the line reaches across the text column (0..1): a short line
    ending in a full stop usually ends a paragraph. PDF readers also fill in font and
    geometry; text readers leave them ``None``.
    """

    text: str
    page: int | None = None
    fill: float = 1.0
    # Paragraph-break evidence before this line: a blank line (text) or a vertical gap
    # clearly larger than the line spacing (PDF).
    gap_before: bool = False
    page_break_before: bool = False
    size: float | None = None
    bold: bool = False
    indent: float = 0.0  # start offset from the column's left edge, as a share of its width
    cells: list[str] | None = None  # column-separated pieces (PDF tables)
    separator_before: bool = False  # a whitespace-only line before it (text tables)
    heading_rank: int | None = None  # rank of the font style among heading styles (PDF)
    extra: dict[str, object] = field(default_factory=dict)
