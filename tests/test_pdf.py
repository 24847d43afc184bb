"""PDF ingest on generated report PDFs with known truth, and bad PDFs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from nlp.errors import EncryptedPdfError, InputError, ScannedPdfError
from nlp.ingest import load_document
from nlp.model import BlockType

ROOT = Path(__file__).resolve().parents[1]


def _generator():
    from evaluation.common import generate_pdfs

    return generate_pdfs


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, dict]]:
    gen = _generator()
    out = tmp_path_factory.mktemp("pdfs")
    material = gen.load_material(ROOT / "corpora")
    docs = []
    for seed in (11, 12):  # dev seeds, not the evaluation's held-out 1000+
        path = out / f"report-{seed}.pdf"
        truth = gen.build_pdf(path, seed, 12, material)
        docs.append((path, truth))
    return docs


@pytest.fixture(scope="session")
def bad_pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return _generator().make_bad_pdfs(tmp_path_factory.mktemp("bad"))


def norm(text: str) -> str:
    return " ".join(text.split())


def test_generated_pdf_blocks_match_truth(generated: list[tuple[Path, dict]]) -> None:
    for path, truth in generated:
        doc = load_document(path, use_manifest=False)
        assert doc.pages == truth["pages"] and doc.source_format == "pdf" and not doc.pages_estimated
        predicted = {(b.type.value, norm(b.text)) for b in doc.blocks}
        paragraphs = [norm(b["text"]) for b in truth["blocks"] if b["type"] == "paragraph"]
        found = sum(("paragraph", p) in predicted for p in paragraphs)
        assert found / len(paragraphs) >= 0.95
        headings = {norm(b.text): b.level for b in doc.blocks if b.type is BlockType.HEADING}
        for block in truth["blocks"]:
            if block["type"] == "heading":
                assert headings.get(norm(block["text"])) == block["level"], block["text"]
            if block["type"] == "list_item":
                assert ("list_item", norm(block["text"])) in predicted, block["text"]
        tables = [b.rows for b in doc.blocks if b.type is BlockType.TABLE]
        for block in truth["blocks"]:
            if block["type"] == "table":
                assert block["rows"] in tables


def test_generated_pdf_has_no_furniture_and_no_split_words(generated: list[tuple[Path, dict]]) -> None:
    for path, truth in generated:
        doc = load_document(path, use_manifest=False)
        text = "\n".join(b.text for b in doc.blocks)
        assert not re.search(r"Sid \d+ \(\d+\)", text)
        assert "start.stockholm" not in text
        words = set(re.findall(r"[^\W\d_]+", text))
        split_words = [s["word"] for s in truth["hyphen_splits"]]
        assert len(split_words) > 50  # the layout really hyphenated
        lost = [w for w in split_words if w not in words and w not in text]
        assert len(lost) <= 1, lost


def test_paragraph_continues_across_page_break(generated: list[tuple[Path, dict]]) -> None:
    path, truth = generated[0]
    doc = load_document(path, use_manifest=False)
    spanning = [b for b in doc.blocks if b.type is BlockType.PARAGRAPH and b.page_end and b.page_end > (b.page or 0)]
    assert spanning, "expected paragraphs that flow onto the next page"
    truth_paragraphs = {norm(b["text"]) for b in truth["blocks"] if b["type"] == "paragraph"}
    assert sum(norm(b.text) in truth_paragraphs for b in spanning) >= len(spanning) - 1


def test_pdf_metadata_from_title_page(generated: list[tuple[Path, dict]]) -> None:
    for path, truth in generated:
        doc = load_document(path, use_manifest=False)
        assert (doc.district, doc.year, doc.report_type, doc.period) == (
            truth["district"], truth["year"], truth["report_type"], truth["period"])


def test_sections_follow_goal_hierarchy(generated: list[tuple[Path, dict]]) -> None:
    doc = load_document(generated[0][0], use_manifest=False)
    for block in doc.blocks:
        if block.type is BlockType.PARAGRAPH and any(s.startswith("Nämndmål:") for s in block.section):
            def position(label: str) -> int:
                return next(i for i, s in enumerate(block.section) if s.startswith(label))  # noqa: B023 - used now

            assert position("KF:s inriktningsmål:") < position("KF:s mål för verksamhetsområdet:") < position("Nämndmål:")


@pytest.mark.parametrize(
    ("name", "error", "message"),
    [
        ("empty", InputError, "empty"),
        ("corrupt", InputError, "damaged"),
        ("encrypted", EncryptedPdfError, "encrypted"),
        ("scanned", ScannedPdfError, "OCR"),
        ("not_a_pdf", InputError, "not a PDF"),
    ],
)
def test_bad_pdfs_raise_clear_errors(bad_pdfs: dict[str, Path], name: str, error: type, message: str) -> None:
    # with OCR off a scan is refused with advice; with OCR on it is read (tests/test_ocr.py)
    with pytest.raises(error, match=message):
        load_document(bad_pdfs[name], ocr="never")


def test_bad_pdf_on_the_command_line(bad_pdfs: dict[str, Path], generated: list[tuple[Path, dict]], tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    good = folder / "good.pdf"
    good.write_bytes(generated[0][0].read_bytes())
    (folder / "encrypted.pdf").write_bytes(bad_pdfs["encrypted"].read_bytes())
    result = subprocess.run([sys.executable, "-m", "nlp", "ingest", str(folder), "--store", str(tmp_path / "s")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert "encrypted" in result.stderr and "Traceback" not in result.stderr
    catalog = json.loads((tmp_path / "s" / "catalog.json").read_text(encoding="utf-8"))
    assert [d["id"] for d in catalog["documents"]] == ["good"]
    info = subprocess.run([sys.executable, "-m", "nlp", "info", str(good), "--format", "json"],
                          capture_output=True, text=True, timeout=300)
    assert json.loads(info.stdout)["pages"] == generated[0][1]["pages"]
