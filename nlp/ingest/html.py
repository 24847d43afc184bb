"""Reading report web pages (.html) into blocks.

Only the report's main content counts: <main>, [role=main] or <article>, else the
container with the most paragraph text. Site chrome (navigation, header, footer,
sidebars, cookie banners, scripts, hidden elements) is dropped before reading.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..model import Block, BlockType

DROP_TAGS = {"nav", "header", "footer", "aside", "script", "style", "noscript", "form", "template", "svg",
             "iframe", "button", "select", "dialog"}
CHROME = re.compile(r"cookie|consent|banner|gdpr|breadcrumb|skip|share|social|menu|sidebar", re.IGNORECASE)
HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
HEADINGS = {f"h{n}": n for n in range(1, 7)}
BLOCK_TAGS = {"p", "li", "table", "ul", "ol", "div", "section", "article", "main", "blockquote", "dl", "dt", "dd",
              "figure", "figcaption", "pre", "address", "header", "hgroup", "details", "summary"} | set(HEADINGS)
BYLINE_MAX = 100
MAIN_MARK = "data-rapport-main"
HIDDEN_CLASS = {"hidden", "sr-only", "visually-hidden", "visuallyhidden", "screen-reader-text"}
XML_DECLARATION = re.compile(r"^\ufeff?\s*<\?xml[^>]*>")
META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([A-Za-z0-9_-]+)", re.IGNORECASE)


def _decode(path: Path, data: bytes) -> str:
    from .text import decode_bytes

    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    match = META_CHARSET.search(data[:4096])
    if match:
        try:
            return data.decode(match[1].decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_bytes(data, str(path))[0]


def _is_chrome(element: Any) -> bool:
    if element.tag in DROP_TAGS:
        # a header inside the report's content (its title) is content; the site's header is not
        return not (element.tag == "header" and element.xpath(f"ancestor::*[@{MAIN_MARK}]"))
    if HIDDEN_CLASS & set(element.get("class", "").split()):
        return True
    attrs = " ".join(element.get(a, "") for a in ("id", "class", "aria-label", "role"))
    if element.get("role") in ("navigation", "banner", "contentinfo", "complementary", "search"):
        return True
    if element.get("hidden") is not None or element.get("aria-hidden") == "true" or \
            HIDDEN_STYLE.search(element.get("style", "")):
        return True
    return bool(CHROME.search(attrs)) and element.tag not in ("main", "article", "body", "html")


def _clean(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def _flat_text(element: Any) -> str:
    """All text of an element, block children and <br> set apart by spaces, chrome left out."""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str) and not _is_chrome(child):
            inner = _flat_text(child)
            parts.append(f" {inner} " if child.tag in BLOCK_TAGS or child.tag in ("br", "td", "th", "tr") else inner)
        parts.append(child.tail or "")
    return "".join(parts)


def _paragraph_chars(element: Any) -> int:
    return sum(len(p.text_content()) for p in element.iter("p", "li"))


def _main(root: Any) -> Any:
    body = root.find("body")
    body = body if body is not None else root
    total = _paragraph_chars(body)
    for query in ("//main", "//*[@role='main']", "//article"):
        found = root.xpath(query)
        if found:
            best = max(found, key=lambda e: len(e.text_content()))
            # an empty <main> (content placed elsewhere by the CMS) is no guide
            if _paragraph_chars(best) >= 0.3 * total:
                return best
    scored = [(e, _paragraph_chars(e)) for e in body.iter("div", "section", "td")
              if not _is_chrome(e)]
    top = max((score for _, score in scored), default=0)
    # the innermost container holding (nearly) all of the most paragraph text: only a chain of
    # nested containers can each hold 95 % of the maximum, so the last one in order is innermost
    best = [e for e, score in scored if top and score >= 0.95 * top]
    return best[-1] if best else body


class _Reader:
    def __init__(self) -> None:
        self.blocks: list[Block] = []

    def inline_text(self, element: Any) -> str:
        """Text of an element without its nested block children; <br> as a space."""
        parts = [element.text or ""]
        for child in element:
            if not isinstance(child.tag, str):
                parts.append(child.tail or "")
                continue
            if child.tag == "br":
                parts.append("\n")
            elif child.tag not in BLOCK_TAGS and not _is_chrome(child):
                parts.append(self.inline_text(child))
            parts.append(child.tail or "")
        return "".join(parts)

    def paragraphs(self, raw: str, kind: BlockType = BlockType.PARAGRAPH) -> None:
        """A blank line made of <br><br> separates paragraphs; a single <br> is a space."""
        for part in re.split(r"\n\s*\n", raw):
            text = _clean(part)
            if text:
                self.blocks.append(Block(kind, text))

    def read(self, element: Any) -> None:
        tag = element.tag
        if not isinstance(tag, str) or _is_chrome(element):
            return
        if tag in HEADINGS:
            text = _clean(_flat_text(element))
            if text:
                self.blocks.append(Block(BlockType.HEADING, text, level=HEADINGS[tag]))
        elif tag == "li":
            text = _clean(self.inline_text(element))
            if text:
                self.blocks.append(Block(BlockType.LIST_ITEM, text))
            for child in element:
                if isinstance(child.tag, str) and child.tag in BLOCK_TAGS:
                    self.read(child)
        elif tag == "table":
            rows = []
            for tr in element.xpath("./tr|./*/tr"):  # not the rows of tables nested in cells
                cells = [_clean(_flat_text(c)) for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")]
                if any(cells):
                    rows.append(cells)
            if rows:
                self.blocks.append(Block(BlockType.TABLE, "\n".join(" | ".join(r) for r in rows), rows=rows))
        elif tag in ("p", "dt", "dd", "figcaption", "pre", "address", "blockquote") and \
                not any(isinstance(c.tag, str) and c.tag in BLOCK_TAGS for c in element):
            self.paragraphs(self.inline_text(element))
        else:
            # a container: loose text between its block children is a paragraph of its own
            pending = [element.text or ""]
            for child in element:
                if not isinstance(child.tag, str):
                    pending.append(child.tail or "")
                    continue
                if child.tag in BLOCK_TAGS or _is_chrome(child):
                    self.flush(pending)
                    pending = []
                    self.read(child)
                elif child.tag == "br":
                    pending.append("\n")
                else:
                    pending.append(self.inline_text(child))
                pending.append(child.tail or "")
            self.flush(pending)

    def flush(self, parts: list[str]) -> None:
        self.paragraphs("".join(parts))


def read_html(path: Path, data: bytes) -> tuple[list[Block], list[str], dict[str, Any]]:
    """Blocks (levels set, sections not yet), front lines for metadata and facts of a page."""
    import lxml.html
    from lxml.etree import ParserError

    from .segment import Segmenter

    text = XML_DECLARATION.sub("", _decode(path, data))  # lxml refuses a str that declares its encoding
    try:
        root = lxml.html.document_fromstring(text)
    except (ParserError, ValueError) as exc:
        raise InputError(f"{path}: not a readable HTML page ({exc}).") from None
    if root.xpath("//meta[@name='generator'][@content='rapport']"):
        raise InputError(f"{path}: a page rapport wrote (a chart or summary), not a report.")
    title_el = root.find(".//title")
    page_title = _clean(title_el.text_content()) if title_el is not None else ""
    reader = _Reader()
    main = _main(root)
    main.set(MAIN_MARK, "1")
    reader.read(main)
    blocks = reader.blocks
    if not any(b.type in (BlockType.PARAGRAPH, BlockType.LIST_ITEM) and len(b.text) >= 40 for b in blocks):
        raise InputError(f"{path}: no report text found: the page has only navigation/site chrome.")
    front = [b.text for b in blocks[:30]]
    if blocks and blocks[0].type is BlockType.HEADING and blocks[0].level == 1:
        # short lines right under the page title (the council's name, a date, a case number)
        # are a byline: like a PDF's title page they describe the report, they are not its text
        end = 1
        while end < len(blocks) and blocks[end].type is BlockType.PARAGRAPH and len(blocks[end].text) <= BYLINE_MAX \
                and not blocks[end].text.endswith((".", "!", "?", ":")):
            end += 1
        del blocks[1:end]
    for block in blocks:
        if block.type is BlockType.HEADING:
            block.level = Segmenter._text_level(block.text) or block.level
    headings = [b.text for b in blocks if b.type is BlockType.HEADING and b.level == 1]
    title = headings[0] if headings else None
    # "<report> – <site name>": the site name is not part of the report's title
    site_free = re.split(r"\s+[–|-]\s+", page_title)[0] if page_title else ""
    running = headings + ([site_free] if site_free else [])
    facts: dict[str, Any] = {"title": title, "running_titles": running, "pages": None}
    return blocks, front, facts
