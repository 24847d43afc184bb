"""Reuse between reports and boilerplate within one, on real report text."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from nlp.ingest import load_document
from nlp.model import Document
from nlp.reuse import boilerplate, compare, tokens

from .conftest import SODERMALM

ROOT = Path(__file__).resolve().parents[1]

REWRITE = (
    "Stadsdelen samarbetar med polisen, butiksägare och föreningar för att göra torget och parken "
    "intill tryggare och trivsammare att vistas i, och en gemensam lokal överenskommelse med polisen "
    "har tagits fram under våren."
)
NEW = (
    "Under våren har förvaltningen vaccinerat merparten av medarbetarna inom vård- och omsorgsboendena "
    "mot covid-19 och planerar nu för att öppna träffpunkterna igen efter sommaren."
)


def _next_year(tmp_path: Path, old: Document) -> tuple[Path, list[str], list[str]]:
    """A 2021 report: verbatim copies, copies with years and figures updated, a rewrite, new text."""
    paragraphs = [b.text for b in old.blocks if b.type.value == "paragraph" and len(b.text.split()) > 25]
    verbatim = paragraphs[0:6]
    edited = [re.sub(r"\b2020\b", "2021", re.sub(r"\b2019\b", "2020", p)) + " Arbetet följs upp löpande."
              for p in paragraphs[10:16]]
    lines = ["Tertialrapport 1 2021", "", "Sammanfattande analys", ""]
    for text in verbatim + edited + [REWRITE, NEW]:
        lines += [text, ""]
    path = tmp_path / "sodermalm_2021_tertialrapport-1.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path, verbatim, edited


def test_copies_and_light_edits_found_rewrites_not(tmp_path: Path, sodermalm: Document) -> None:
    path, verbatim, edited = _next_year(tmp_path, sodermalm)
    new = load_document(path)
    result = compare(new, [sodermalm])
    kinds = {m.text: m.kind for m in result.matches}
    assert all(kinds.get(t) == "exact" for t in verbatim)
    assert all(kinds.get(t) == "near" for t in edited)
    assert REWRITE not in kinds and NEW not in kinds
    for match in result.matches:
        assert match.source_doc == sodermalm.id and match.source_text in {b.text for b in sodermalm.blocks}
        assert 0.6 <= match.similarity <= 1.0
    reused = sum(len(t.split()) for t in verbatim + edited)
    total = reused + len(REWRITE.split()) + len(NEW.split())
    assert abs(result.reused_share - reused / total) < 0.01
    assert result.sources == {sodermalm.id: round(result.reused_share, 4)}


def test_copied_sentence_in_new_paragraph(tmp_path: Path, sodermalm: Document) -> None:
    sentence = next(s.text for b in sodermalm.blocks for s in b.sentences if len(s.text.split()) > 12)
    path = tmp_path / "new.txt"
    path.write_text(f"Inledning\n\n{NEW} {sentence} Arbetet fortsätter under hösten med nya insatser.\n", encoding="utf-8")
    result = compare(load_document(path), [sodermalm])
    assert [m.kind for m in result.matches] == ["sentence"]
    assert result.matches[0].text == sentence


def test_numbers_do_not_hide_reuse() -> None:
    assert tokens("Budgeten var 12,5 mnkr år 2020.") == tokens("Budgeten var 14,0 mnkr år 2021.")


def test_boilerplate_within_report(sodermalm: Document) -> None:
    clusters = boilerplate(sodermalm)
    top = clusters[0]
    assert top.text == "Förvaltningen gör bedömningen att nämndmålet kommer att uppnås under året."
    assert top.count >= 20 and len(top.sections) >= 10  # the same assessment under many goals
    assert all(c.count >= 2 for c in clusters)


def test_reuse_cli_contract(tmp_path: Path, sodermalm: Document) -> None:
    path, _, _ = _next_year(tmp_path, sodermalm)
    cmd = [sys.executable, "-m", "nlp", "reuse", str(path), "--against", str(SODERMALM)]
    out = subprocess.run(cmd + ["--format", "jsonl"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert records and all(set(r) == {"text", "doc", "page", "section", "source_text", "source_doc", "source_page",
                                      "similarity", "kind"} for r in records)
    summary = subprocess.run(cmd + ["--summary", "--format", "json"], capture_output=True, text=True, timeout=300)
    data = json.loads(summary.stdout)
    assert {"reused_share", "by_section", "sources"} <= set(data) and 0.5 < data["reused_share"] < 1
    page = tmp_path / "reuse.html"
    html_run = subprocess.run(cmd + ["--format", "html", "--out", str(page)], capture_output=True, text=True, timeout=300)
    assert html_run.returncode == 0 and "<ins>" in page.read_text(encoding="utf-8")
    bad = subprocess.run([sys.executable, "-m", "nlp", "reuse", str(path), "--against", str(tmp_path / "missing.pdf")],
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode != 0 and "Traceback" not in bad.stderr


def test_next_year_pdf_reuse_is_found_and_rewrites_are_not() -> None:
    """The hand-written 2021 report: copies and light edits found, rewrites and new text not."""
    import json

    from nlp.reuse import compare, passages

    here = ROOT / "evaluation" / "reuse" / "data"
    old = load_document(ROOT / "corpora" / "sodermalm_2020_tertialrapport-1.txt")
    new = load_document(here / "sodermalm_2021_tertialrapport-1.pdf", use_manifest=False)
    labels = [json.loads(line) for line in (here / "sodermalm_2021_labels.jsonl").read_text(encoding="utf-8").splitlines()]
    result = compare(new, [old])
    flagged = {" ".join(new.blocks[m.block].text.split()) for m in result.matches if m.kind in ("exact", "near")}
    by_kind: dict[str, list[str]] = {}
    for label in labels:
        by_kind.setdefault(label["kind"], []).append(label["text"])
    assert sum(t in flagged for t in by_kind["verbatim"]) / len(by_kind["verbatim"]) >= 0.98
    assert sum(t in flagged for t in by_kind["light_edit"]) / len(by_kind["light_edit"]) >= 0.9
    assert sum(t in flagged for t in by_kind["rewrite"] + by_kind["new"]) <= 2
    assert abs(result.reused_share - 0.668) < 0.03
    assert len(list(passages(new))) >= 470
