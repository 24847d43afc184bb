"""Reading Word (.docx) reports into blocks.

Word keeps structure explicitly: heading styles and outline levels give headings and
levels, numbering gives list items, tables are tables. Headers and footers live in
separate parts and are never read. A title page (the paragraphs before the first page
break when they are few and carry no heading) feeds metadata, not passages.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..model import Block, BlockType

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
HEADING_STYLE = re.compile(r"^(heading|rubrik)\s*(\d)\b", re.IGNORECASE)
TITLE_STYLES = {"title", "rubrik", "subtitle", "underrubrik"}
LIST_STYLE = re.compile(r"^(list|lista|punktlista|numrerad lista)", re.IGNORECASE)
FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
TOC_STYLE = re.compile(r"^(toc|innehåll|förteckning)\s*\d|^toc heading$|^innehållsförteckningsrubrik$", re.IGNORECASE)
TITLE_PAGE_MAX = 25  # as for PDFs: a sparse first page is a title page
TITLE_LINE_MAX = 150  # title-page lines are names, titles and dates, not prose


def _text(element: Any) -> str:
    """Paragraph text with tabs and line breaks as spaces, whitespace normalised."""
    parts: list[str] = []
    for node in element.iter(f"{W}t", f"{W}tab", f"{W}br", f"{W}cr"):
        if any(a.tag == FALLBACK for a in node.iterancestors()):
            continue  # the legacy copy of a text box Word writes next to the modern one
        parts.append(node.text or "" if node.tag == f"{W}t" else " ")
    return " ".join("".join(parts).replace("\u00a0", " ").split())


def _style_chain(style: Any) -> list[Any]:
    chain = []
    while style is not None and len(chain) < 10:
        chain.append(style)
        style = style.base_style
    return chain


def _outline_level(element: Any) -> int | None:
    node = element.find(f"{W}pPr/{W}outlineLvl") if element is not None else None
    if node is None:
        return None
    value = int(node.get(f"{W}val", "9"))
    return value + 1 if value < 9 else None  # 9 is "body text"


def _has_numbering(element: Any) -> bool:
    return element is not None and element.find(f"{W}pPr/{W}numPr") is not None


def _classify(paragraph: Any) -> tuple[BlockType, int | None, bool]:
    """(type, level, is_title) of a paragraph from its style and properties."""
    chain = _style_chain(paragraph.style)
    for style in chain:
        name = (style.name or "").strip()
        if name.casefold() in TITLE_STYLES:
            return BlockType.HEADING, 1, True
        match = HEADING_STYLE.match(name)
        if match:
            return BlockType.HEADING, int(match[2]), False
    level = _outline_level(paragraph._p)
    for style in chain:
        level = level or _outline_level(style.element)
    if level is not None:
        return BlockType.HEADING, level, False
    if _has_numbering(paragraph._p) or any(_has_numbering(s.element) or LIST_STYLE.match(s.name or "")
                                           for s in chain):
        return BlockType.LIST_ITEM, None, False
    return BlockType.PARAGRAPH, None, False


def _page_breaks(element: Any, rendered: bool) -> tuple[int, int]:
    """Page breaks (before the element's text, within or after it).

    When Word has saved its layout (w:lastRenderedPageBreak) those marks are the pages as
    rendered, hard breaks included; otherwise only explicit breaks are known.
    """
    before = after = 0
    seen_text = False
    flag = element.find(f"{W}pPr/{W}pageBreakBefore")
    if not rendered and flag is not None and flag.get(f"{W}val", "true") not in ("false", "0"):
        before += 1
    for node in element.iter(f"{W}t", f"{W}br", f"{W}lastRenderedPageBreak"):
        if node.tag == f"{W}t":
            seen_text = seen_text or bool((node.text or "").strip())
            continue
        is_break = node.tag == f"{W}lastRenderedPageBreak" if rendered else node.get(f"{W}type") == "page"
        if is_break:
            if seen_text:
                after += 1
            else:
                before += 1
    return before, after


def _table_rows(table: Any) -> list[list[str]]:
    """Cell texts per row; a merged cell counts once."""
    rows = []
    for tr in table._tbl.findall(f"{W}tr"):  # not the rows of tables nested in cells
        cells = []
        for tc in tr.findall(f"{W}tc"):
            merge = tc.find(f"{W}tcPr/{W}vMerge")
            if merge is not None and merge.get(f"{W}val") != "restart":
                continue  # continuation of a vertically merged cell above
            cells.append(" ".join(_text(p) for p in tc.iter(f"{W}p") if _text(p)))
        if any(cells):
            rows.append(cells)
    return rows


def _body_elements(body: Any) -> Any:
    """Paragraphs and tables in document order, looking inside content controls (w:sdt)."""
    for child in body.iterchildren():
        if child.tag == f"{W}sdt":
            content = child.find(f"{W}sdtContent")
            gallery = child.find(f"{W}sdtPr/{W}docPartObj/{W}docPartGallery")
            if content is not None and (gallery is None or "Table of Contents" not in gallery.get(f"{W}val", "")):
                yield from _body_elements(content)
        elif child.tag in (f"{W}p", f"{W}tbl"):
            yield child


def _open(path: Path, data: bytes) -> Any:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    if data.startswith(b"\xd0\xcf\x11\xe0"):
        # OLE compound file: an old binary .doc or a password-protected .docx
        if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k\x00a\x00g\x00e" in data:
            raise InputError(f"{path}: the Word file is password-protected; remove the password in Word "
                             "(File → Info → Protect document) and save it again.")
        raise InputError(f"{path}: an old binary Word file (.doc); open it in Word and save it as .docx.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if "word/document.xml" not in archive.namelist():
                raise InputError(f"{path}: not a valid Word file (the archive has no word/document.xml).")
        return docx.Document(io.BytesIO(data))
    except InputError:
        raise
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise InputError(f"{path}: not a valid Word file; it may be truncated or corrupt ({exc}).") from None
    except Exception as exc:  # lxml syntax errors and other damage inside the package
        raise InputError(f"{path}: not a valid Word file; its content cannot be read ({type(exc).__name__}).") \
            from None


def read_docx(path: Path, data: bytes) -> tuple[list[Block], list[str], dict[str, Any]]:
    """Blocks (levels set, sections not yet), title-page lines and facts of a .docx."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    from .segment import BULLET, Segmenter

    document = _open(path, data)
    blocks: list[Block] = []
    page = 1
    has_breaks = False
    first_page: list[tuple[Block, bool]] = []
    rendered = document.element.body.find(f".//{W}lastRenderedPageBreak") is not None
    for child in _body_elements(document.element.body):
        if child.tag == f"{W}p":
            paragraph = Paragraph(child, document)
            before, after = _page_breaks(child, rendered)
            page += before
            has_breaks = has_breaks or before > 0 or after > 0
            text = _text(child)
            if not text:
                page += after
                continue
            if TOC_STYLE.match((paragraph.style.name if paragraph.style is not None else "") or ""):
                page += after  # a table of contents repeats the headings: not report text
                continue
            kind, level, is_title = _classify(paragraph)
            bullet = BULLET.match(text)
            if kind is BlockType.PARAGRAPH and bullet:  # a bullet typed by hand
                kind, text = BlockType.LIST_ITEM, bullet["text"]
            if kind is BlockType.HEADING:
                level = Segmenter._text_level(text) or level
            block = Block(kind, text, page=page, level=level)
            if page == 1:
                first_page.append((block, is_title))
            blocks.append(block)
            page += after
        elif child.tag == f"{W}tbl":
            rows = _table_rows(Table(child, document))
            if rows:
                block = Block(BlockType.TABLE, "\n".join(" | ".join(r) for r in rows), page=page, rows=rows)
                blocks.append(block)
                if page == 1:
                    first_page.append((block, False))
            before, after = _page_breaks(child, rendered)
            page += before + after  # a break inside a table: the table keeps its first page
            has_breaks = has_breaks or before + after > 0
    front: list[str] = []
    title = None
    if has_breaks and first_page and len(first_page) <= TITLE_PAGE_MAX and \
            all(b.type is not BlockType.TABLE and len(b.text) <= TITLE_LINE_MAX for b, _ in first_page) and \
            not any(b.type is BlockType.HEADING and not t for b, t in first_page):
        # a title page: its lines describe the report, they are not its text
        front = [b.text for b, _ in first_page]
        titles = [b.text for b, t in first_page if t]
        title = " ".join(titles)[:200] or None
        dropped = {id(b) for b, _ in first_page}
        blocks = [b for b in blocks if id(b) not in dropped]
    if not has_breaks:
        for block in blocks:
            block.page = None
    core = document.core_properties
    facts: dict[str, Any] = {
        "title": title or (core.title or "").strip() or None,
        "running_titles": [t for t in ((core.title or "").strip(), (core.subject or "").strip()) if t],
        "pages": page if has_breaks else None,
    }
    return blocks, front, facts
