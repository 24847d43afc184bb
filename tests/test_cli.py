"""The rapport command line: contracts other parts rely on, and bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nlp.cli import main

from .conftest import CORPUS, SODERMALM

RAPPORT = [sys.executable, "-m", "nlp"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*RAPPORT, *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_version_and_help() -> None:
    out = run("--version")
    assert out.returncode == 0 and out.stdout.startswith("rapport ")
    for command in ("segment", "info", "ingest"):
        help_out = run(command, "--help")
        assert help_out.returncode == 0
        assert "Example:" in help_out.stdout and f"rapport {command}" in help_out.stdout


def test_segment_jsonl_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["segment", str(SODERMALM), "--format", "jsonl"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(records) > 500
    for record in records:
        assert set(record) == {"type", "text", "page", "level", "section", "rows"}
        assert record["type"] in {"heading", "paragraph", "list_item", "table"}
        assert (record["level"] is not None) == (record["type"] == "heading")
        assert (record["rows"] is not None) == (record["type"] == "table")
        assert isinstance(record["section"], list)


def test_segment_md_and_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["segment", str(SODERMALM), "--format", "md"]) == 0
    md = capsys.readouterr().out
    assert "\n## En modern storstad med möjligheter och valfrihet för alla\n" in "\n" + md
    assert main(["segment", str(SODERMALM), "--format", "text"]) == 0
    assert "Sid 5 (72)" not in capsys.readouterr().out


def test_info_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", str(SODERMALM), "--format", "json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert set(info) == {"district", "municipality", "organisation", "year", "report_type", "period", "title", "pages",
                         "blocks", "paragraphs"}
    assert (info["district"], info["year"], info["report_type"], info["period"]) == ("Södermalm", 2020, "tertialrapport", "T1")
    # the manifest names a Stockholm district; the extraction names no committee
    assert (info["municipality"], info["organisation"]) == ("Stockholm", None)


def test_info_without_manifest_leaves_unknowns_null(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Södermalm's extraction starts after the title page: nothing names its district or year
    # the way a title does, so without the manifest they stay unknown rather than guessed.
    copy = tmp_path / "report.txt"
    shutil.copy(SODERMALM, copy)
    assert main(["info", str(copy), "--format", "json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["district"] is None and info["year"] is None


def test_ingest_is_idempotent(tmp_path: Path) -> None:
    store = tmp_path / "store"
    first = run("ingest", str(CORPUS), "--store", str(store))
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("added") == 2 and "Södermalm" in first.stdout
    second = run("ingest", str(CORPUS), "--store", str(store))
    assert second.returncode == 0
    assert second.stdout.count("already stored") == 2
    catalog = json.loads((store / "catalog.json").read_text(encoding="utf-8"))
    assert len(catalog["documents"]) == 2
    # the program registry is stored with the corpus, linked across both reports
    registry = json.loads((store / "programs.json").read_text(encoding="utf-8"))
    docs = {m["doc"] for p in registry["programs"] for m in p["mentions"]}
    assert len(registry["programs"]) > 10 and len(docs) == 2


def test_bad_text_inputs(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    for path, message in ((empty, "empty"), (binary, "binary"), (tmp_path / "missing.txt", "no such file")):
        result = run("segment", str(path))
        assert result.returncode != 0
        assert message in result.stderr and "Traceback" not in result.stderr


def test_cp1252_text_is_detected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    original = SODERMALM.read_text(encoding="utf-8")[:6000]
    path = tmp_path / "legacy.txt"
    path.write_bytes(original.encode("cp1252", errors="replace"))
    assert main(["segment", str(path), "--format", "text"]) == 0
    out = capsys.readouterr().out
    assert "Förvaltningen gör bedömningen att inriktningsmålet kommer att uppfyllas under året." in out


def test_folder_with_one_bad_file(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SODERMALM, folder / "good.txt")
    (folder / "bad.txt").write_bytes(b"")
    store = tmp_path / "store"
    result = run("ingest", str(folder), "--store", str(store))
    assert result.returncode == 1  # something failed, and says so
    assert "bad.txt" in result.stderr and "empty" in result.stderr
    assert "Traceback" not in result.stderr
    assert "good" in result.stdout and "added" in result.stdout  # the good one was still stored
    assert (store / "documents" / "good.json").exists()
