"""Nothing lost (#20): unique report ids, concurrent writers, replaced reports, damaged
parts, bad files among good ones, stalled web clients, confined index paths, and the
messages that used to mislead. Each test is the regression test of one reported case."""

from __future__ import annotations

import json
import os
import re
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from nlp import batch
from nlp.cli import main
from nlp.ingest import load_document
from nlp.errors import InputError
from nlp.search import Index
from nlp.store import DocumentStore

from .conftest import NORRA, SODERMALM

RAPPORT = [sys.executable, "-m", "nlp"]
LEXICAL = {**os.environ, "RAPPORT_ENCODER": "/nonexistent-encoder"}  # index without dense vectors: fast


def excerpt(path: Path, source: Path, start: int, count: int = 400) -> Path:
    """A small real report: ``count`` lines of a corpus text from line ``start``."""
    lines = source.read_text(encoding="utf-8").splitlines()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines[start:start + count]) + "\n", encoding="utf-8")
    return path


# 1. two different reports with the same file name ----------------------------------------
def test_index_and_tag_keep_two_reports_with_the_same_file_name(tmp_path: Path) -> None:
    a = excerpt(tmp_path / "a" / "rapport.txt", SODERMALM, 0)
    b = excerpt(tmp_path / "b" / "rapport.txt", NORRA, 0)
    index = Index.open(tmp_path / "idx", create=True, encoder=None)
    assert index.add_document(load_document(a)) and index.add_document(load_document(b))
    ids = sorted(entry["doc"] for entry in index.documents())
    assert len(ids) == 2 and ids[0] == "rapport" and ids[1].startswith("rapport-")
    assert len({p.id for p in index.passages}) == len(index.passages)

    result = batch.run([tmp_path / "a", tmp_path / "b"], tmp_path / "tagged", stream=open(os.devnull, "w"))
    assert result.done == 2 and not result.failed
    documents = batch.read_table(tmp_path / "tagged", batch.DOCUMENTS)
    passages = batch.read_table(tmp_path / "tagged")
    assert sorted(documents["doc"]) == ids or len(set(documents["doc"])) == 2
    assert passages["passage_id"].is_unique


# 2. two writers at once --------------------------------------------------------------------
def _parallel(*commands: list[str], env: dict[str, str] | None = None) -> list[subprocess.CompletedProcess[str]]:
    procs = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for c in commands]
    results = []
    for proc, command in zip(procs, commands):
        out, err = proc.communicate(timeout=600)
        results.append(subprocess.CompletedProcess(command, proc.returncode, out, err))
    return results


def test_two_ingest_processes_on_one_store_lose_nothing(tmp_path: Path) -> None:
    first = [excerpt(tmp_path / "one" / f"r{n}.txt", SODERMALM, 300 * n, 250) for n in range(4)]
    second = [excerpt(tmp_path / "two" / f"s{n}.txt", NORRA, 300 * n, 250) for n in range(4)]
    store = tmp_path / "store"
    results = _parallel([*RAPPORT, "ingest", str(tmp_path / "one"), "--store", str(store)],
                        [*RAPPORT, "ingest", str(tmp_path / "two"), "--store", str(store)])
    assert [r.returncode for r in results] == [0, 0], [r.stderr for r in results]
    catalog = DocumentStore(store)
    assert len(catalog) == len(first) + len(second) == 8
    assert len(list((store / "documents").glob("*.json"))) == 8
    assert {e.id for e in catalog.entries()} == {p.stem for p in first + second}


def test_two_index_processes_on_one_index_lose_nothing(tmp_path: Path) -> None:
    for n in range(3):
        excerpt(tmp_path / "one" / f"r{n}.txt", SODERMALM, 300 * n, 250)
        excerpt(tmp_path / "two" / f"s{n}.txt", NORRA, 300 * n, 250)
    idx = str(tmp_path / "idx")
    results = _parallel([*RAPPORT, "index", str(tmp_path / "one"), "--index", idx, "--no-themes"],
                        [*RAPPORT, "index", str(tmp_path / "two"), "--index", idx, "--no-themes"], env=LEXICAL)
    assert [r.returncode for r in results] == [0, 0], [r.stderr for r in results]
    index = Index.open(idx, encoder=None)
    assert sorted(e["doc"] for e in index.documents()) == ["r0", "r1", "r2", "s0", "s1", "s2"]
    assert not index.damaged


# 3. a replaced report replaces its rows ------------------------------------------------------
def test_tag_after_a_report_is_replaced_keeps_only_the_new_rows(tmp_path: Path) -> None:
    report = excerpt(tmp_path / "in" / "rapport.txt", SODERMALM, 0)
    out = tmp_path / "tagged"
    quiet = open(os.devnull, "w")
    batch.run([tmp_path / "in"], out, stream=quiet)
    excerpt(report, SODERMALM, 200)  # the corrected version, same file
    result = batch.run([tmp_path / "in"], out, stream=quiet)
    assert result.done == 1
    documents = batch.read_table(out, batch.DOCUMENTS)
    passages = batch.read_table(out)
    assert list(documents["doc"]) == ["rapport"]
    assert passages["passage_id"].is_unique
    assert set(passages["content_hash"]) == set(documents["content_hash"])
    new_text = load_document(report)
    assert len(passages) == sum(1 for b in new_text.blocks if b.is_passage)


def test_index_and_store_replace_a_new_version_of_the_same_file(tmp_path: Path) -> None:
    report = excerpt(tmp_path / "rapport.txt", SODERMALM, 0)
    index = Index.open(tmp_path / "idx", create=True, encoder=None)
    store = DocumentStore(tmp_path / "store")
    index.add_document(load_document(report))
    store.add(load_document(report))
    excerpt(report, SODERMALM, 200)
    newer = load_document(report)
    assert index.add_document(newer) and store.add(load_document(report))
    assert [e["doc"] for e in index.documents()] == ["rapport"]
    assert {p.text for p in index.passages} == {b.text for b in newer.blocks if b.is_passage}
    assert [e.id for e in store.entries()] == ["rapport"]
    assert store.get("rapport").content_hash == newer.content_hash


# 4. a damaged shard is listed, removable and re-addable on its own --------------------------
def test_damaged_shard_can_be_listed_removed_and_readded(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAPPORT_ENCODER", "/nonexistent-encoder")
    a = excerpt(tmp_path / "in" / "a.txt", SODERMALM, 0)
    excerpt(tmp_path / "in" / "b.txt", NORRA, 0)
    idx = str(tmp_path / "idx")
    assert main(["index", str(tmp_path / "in"), "--index", idx, "--no-themes"]) == 0
    shard = tmp_path / "idx" / "docs" / "a.jsonl"
    shard.write_text(shard.read_text(encoding="utf-8")[:-100], encoding="utf-8")
    capsys.readouterr()
    assert main(["index", "--list", "--index", idx]) == 1
    listing = capsys.readouterr().out
    assert "a\t" in listing and "DAMAGED" in listing and "b\t" in listing
    assert main(["search", "förskola", "--index", idx, "--mode", "bm25", "--format", "jsonl"]) == 0
    captured = capsys.readouterr()
    assert "damaged" in captured.err and "--remove a" in captured.err
    assert {json.loads(line)["doc"] for line in captured.out.splitlines()} == {"b"}
    assert main(["index", "--remove", "a", "--index", idx]) == 0
    assert not shard.exists()
    assert main(["index", str(a), "--index", idx, "--no-themes"]) == 0
    assert not Index.open(idx, encoder=None).damaged


# 5. one bad file among good ones -------------------------------------------------------------
@pytest.fixture
def mixed_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "mixed"
    excerpt(folder / "good.txt", SODERMALM, 0)
    (folder / "long.txt").write_text("ord " * 400_000, encoding="utf-8")  # 1.6 MB on one line
    locked = folder / "locked.txt"
    locked.write_text("Text som inte får läsas.\n", encoding="utf-8")
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:  # root reads any file, so deny this one by hand
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    monkeypatch.setenv("RAPPORT_ENCODER", "/nonexistent-encoder")
    return folder


@pytest.mark.parametrize("command", [
    ["themes", "{folder}"],
    ["programs", "{folder}"],
    ["reuse", "{folder}"],
    ["index", "{folder}", "--index", "{tmp}/idx", "--no-themes"],
])
def test_a_bad_file_is_reported_and_skipped_and_the_good_ones_processed(
        command: list[str], mixed_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [part.format(folder=mixed_folder, tmp=tmp_path) for part in command]
    assert main(argv) == 1  # something was skipped
    captured = capsys.readouterr()
    assert "internal error" not in captured.err
    assert "skipped" in captured.err and "permission denied" in captured.err
    assert re.search(r"long\.txt: line 1 is 1,[0-9]{3},[0-9]{3} characters long", captured.err)
    if command[0] == "index":
        assert [e["doc"] for e in Index.open(tmp_path / "idx", encoder=None).documents()] == ["good"]
    else:
        assert captured.out.strip(), "the good file's results are printed"


def test_segment_and_info_refuse_an_oversized_line_with_a_clear_message(
        mixed_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("segment", "info"):
        assert main([command, str(mixed_folder / "long.txt")]) == 2
        err = capsys.readouterr().err
        assert "characters long (the limit is 100,000)" in err and "E088" not in err


# 6. idle connections do not block the web server ----------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_idle_connections_neither_block_requests_nor_stay_open(tmp_path: Path) -> None:
    excerpt(tmp_path / "in" / "a.txt", SODERMALM, 0)
    idx = str(tmp_path / "idx")
    subprocess.run([*RAPPORT, "index", str(tmp_path / "in"), "--index", idx, "--no-themes"], env=LEXICAL,
                   check=True, capture_output=True, timeout=300)
    port = _free_port()
    server = subprocess.Popen([*RAPPORT, "serve", "--index", idx, "--port", str(port), "--header-timeout", "2",
                               "--limit-concurrency", "8"], env=LEXICAL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    idle: list[socket.socket] = []
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                urllib.request.urlopen(base + "/api/documents", timeout=2).read()
                break
            except OSError:
                time.sleep(0.5)
        idle = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(80)]
        idle[0].sendall(b"GET /api/documents HTTP/1.1\r\nHost: x\r\n")  # a slow head that never ends
        for _ in range(3):  # more idle sockets than the limit, and real requests still answered
            with urllib.request.urlopen(base + "/api/search?q=f%C3%B6rskola&mode=bm25", timeout=10) as response:
                assert response.status == 200
        head = urllib.request.Request(base + "/", method="HEAD")
        with urllib.request.urlopen(head, timeout=10) as response:
            assert response.status == 200 and response.read() == b""
        started = time.monotonic()
        assert idle[0].recv(1) == b"" and idle[-1].recv(1) == b""  # closed by the server
        assert time.monotonic() - started < 8
    finally:
        for s in idle:
            s.close()
        server.terminate()
        server.wait(timeout=30)


# 7. the index opens only files inside its folder ----------------------------------------------
def test_a_crafted_manifest_cannot_point_outside_the_index(tmp_path: Path) -> None:
    index = Index.open(tmp_path / "idx", create=True, encoder=None)
    index.add_document(load_document(excerpt(tmp_path / "a.txt", SODERMALM, 0)))
    manifest_path = tmp_path / "idx" / "index.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["documents"]["a"]["passages"] = "/dev/zero"
    manifest["documents"]["evil"] = {**manifest["documents"]["a"], "passages": "../../../etc/passwd"}
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    started = time.monotonic()
    opened = Index.open(tmp_path / "idx", encoder=None)
    assert time.monotonic() - started < 5
    assert set(opened.damaged) == {"a", "evil"}
    assert all("outside the index folder" in reason for reason in opened.damaged.values())
    assert opened.remove("evil") and Path("/etc/passwd").exists()


# 8. messages that used to mislead ---------------------------------------------------------------
def test_messages_name_the_real_problem(tmp_path: Path) -> None:
    sparse = tmp_path / "huge.txt"
    with sparse.open("wb") as handle:
        handle.truncate(2_100_000_000)
    with pytest.raises(InputError, match=r"the file is 2\.0 GB; rapport reads report files up to 1\.0 GB"):
        load_document(sparse)
    loop = tmp_path / "loop.txt"
    loop.symlink_to(loop)
    with pytest.raises(InputError, match="symbolic link loop"):
        load_document(loop)
    utf16 = tmp_path / "utf16.txt"
    text = SODERMALM.read_text(encoding="utf-8")
    utf16.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    document = load_document(utf16)
    assert any("Södermalm" in b.text for b in document.blocks)
    assert "decoded as utf-16" in document.warnings
    bare = tmp_path / "bare16.txt"
    bare.write_bytes(text[:3000].encode("utf-16-le"))
    with pytest.raises(InputError, match="UTF-16"):
        load_document(bare)


def test_store_files_are_shared_readable_and_corpus_reuse_prints_json(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    store = DocumentStore(tmp_path / "store")
    store.add(load_document(excerpt(tmp_path / "in" / "a.txt", SODERMALM, 0)))
    store.add(load_document(excerpt(tmp_path / "in" / "b.txt", SODERMALM, 100)))
    for path in [store.catalog_path, *store.documents_dir.glob("*.json")]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~_umask()
    monkeypatch.chdir(tmp_path)
    assert main(["reuse", "--index", str(tmp_path / "store"), "--summary", "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert {r["doc"] for r in payload["reports"]} == {"a", "b"}
    assert max(r["reused_share"] for r in payload["reports"]) > 0.3  # b repeats most of a


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
