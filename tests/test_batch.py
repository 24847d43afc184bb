"""Batch tagging: Parquet layout, resumability, bad files, manifests, Dask = local, trends."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from nlp.batch import DOCUMENTS, PASSAGES, read_table, run

from .conftest import NORRA, SODERMALM


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    shutil.copy(SODERMALM, folder)
    # a shorter third report: the first 900 lines of the Norra innerstaden text
    lines = NORRA.read_text(encoding="utf-8").splitlines(keepends=True)[:900]
    (folder / "norra_utdrag.txt").write_text("".join(lines), encoding="utf-8")
    (folder / "trasig.pdf").write_bytes(b"%PDF-1.7\nthis is not a pdf")
    with (folder / "manifest.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "district", "year", "report_type"])
        writer.writerow(["sodermalm_2020_tertialrapport-1.txt", "Södermalm", "2020", "tertialrapport"])
        writer.writerow(["norra_utdrag.txt", "Norra innerstaden", "2025", "tertialrapport"])
    return folder


@pytest.fixture(scope="module")
def local_run(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tagged-local")
    result = run([corpus], out)
    assert result.done == 2 and len(result.failed) == 1
    return out


def test_outputs_have_the_documented_columns(local_run: Path) -> None:
    passages = pd.read_parquet(local_run / PASSAGES)  # a Parquet dataset pandas reads as one table
    for column in ("doc", "district", "year", "report_type", "page", "section", "text", "labels", "programs",
                   "score_trygghet", "score_klimat", "score_aldreomsorg", "score_covid19"):
        assert column in passages.columns
    assert set(passages["district"]) == {"Södermalm", "Norra innerstaden"}
    covid = passages[passages["labels"].map(lambda labels: "covid19" in list(labels))]
    assert len(covid) > 20 and (covid["year"] == 2020).mean() > 0.9  # the pandemic report carries the covid passages
    documents = read_table(local_run, DOCUMENTS)
    assert list(documents["passages"]) == list(passages.groupby("doc").size().sort_index())
    assert documents.loc[documents["district"] == "Södermalm", "share_covid19"].item() > 0.1


def test_bad_file_is_reported_and_the_rest_is_tagged(local_run: Path) -> None:
    errors = pd.read_csv(local_run / "errors.csv")
    assert len(errors) == 1 and errors["file"].iloc[0].endswith("trasig.pdf")
    assert "PDF" in errors["reason"].iloc[0]


def test_rerun_after_a_kill_adds_no_duplicates(corpus: Path, local_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "tagged"
    shutil.copytree(local_run, out)
    before = read_table(out)
    # a killed run: one report's parts missing, a half-written temporary file left behind
    victim = sorted((out / DOCUMENTS).glob("*.parquet"))[0]
    victim.unlink()
    (out / PASSAGES / victim.name).unlink()
    (out / PASSAGES / f".{victim.name}.1234.tmp").write_bytes(b"PAR1 half written")
    result = run([corpus], out)
    assert result.done == 1 and result.skipped == 1
    after = read_table(out)
    pd.testing.assert_frame_equal(before, after)
    assert not after.duplicated(subset=["passage_id"]).any()


def test_dask_engine_gives_identical_tables(corpus: Path, local_run: Path, tmp_path: Path) -> None:
    pytest.importorskip("dask.distributed")
    result = run([corpus], tmp_path / "tagged-dask", engine="dask", workers=2)
    assert result.done == 2
    pd.testing.assert_frame_equal(read_table(local_run), read_table(tmp_path / "tagged-dask"))
    pd.testing.assert_frame_equal(read_table(local_run, DOCUMENTS), read_table(tmp_path / "tagged-dask", DOCUMENTS))


def test_cli_tag_csv_and_trends(corpus: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    cmd = [sys.executable, "-m", "nlp"]
    tagged = subprocess.run(cmd + ["tag", str(corpus / "manifest.csv"), "--out", str(tmp_path / "t"), "--format", "csv"],
                            capture_output=True, text=True, env=env)
    assert tagged.returncode == 0, tagged.stderr
    assert "[2/2]" in tagged.stderr and "pages/min" in tagged.stderr  # plain progress lines off a terminal
    passages = pd.read_csv(tmp_path / "t" / "passages.csv")
    assert len(passages) > 500 and passages["labels"].str.startswith("[").all()
    trends = subprocess.run(cmd + ["trends", str(tmp_path / "t"), "--out", str(tmp_path / "trends.html")],
                            capture_output=True, text=True, env=env)
    assert trends.returncode == 0, trends.stderr
    page = (tmp_path / "trends.html").read_text(encoding="utf-8")
    assert "<svg" in page and "Södermalm 2020" in page and "Norra innerstaden 2025" in page
    missing = subprocess.run(cmd + ["trends", str(tmp_path / "nothing"), "--out", str(tmp_path / "x.html")],
                             capture_output=True, text=True, env=env)
    assert missing.returncode != 0 and "Traceback" not in missing.stderr and "rapport tag" in missing.stderr


def test_existing_scheduler_and_duckdb_reader(corpus: Path, local_run: Path, tmp_path: Path) -> None:
    distributed = pytest.importorskip("dask.distributed")
    duckdb = pytest.importorskip("duckdb")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        result = run([corpus], tmp_path / "tagged", engine="dask", scheduler=cluster.scheduler_address)
    assert result.done == 2
    pd.testing.assert_frame_equal(read_table(local_run), read_table(tmp_path / "tagged"))
    rows = duckdb.sql(f"select district, count(*) from read_parquet('{tmp_path / 'tagged' / PASSAGES}/*.parquet') "
                      "group by district order by district").fetchall()
    assert [d for d, _ in rows] == ["Norra innerstaden", "Södermalm"]


def test_trends_png(local_run: Path, tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "nlp", "trends", str(local_run), "--out", str(tmp_path / "t.png")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "t.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_goals_parquet_beside_the_passages(local_run: Path, tmp_path: Path) -> None:
    from nlp.batch import GOALS, export_csv

    goals = read_table(local_run, GOALS)
    assert set(goals["district"]) == {"Södermalm", "Norra innerstaden"}
    sod = goals[goals["district"] == "Södermalm"]
    assert len(sod) == 42 and set(sod["kind"]) == {"inriktningsmål", "verksamhetsområdesmål", "nämndmål"}
    parks = sod[sod["number"] == "1.2.2"].iloc[0]
    assert parks["assessment"] == "delvis" and parks["parent_number"] == "1.2"
    passages = read_table(local_run)
    assert parks["passage_id"] in set(passages["passage_id"])  # a goal links to its passage
    area = sod[sod["number"] == "1.1"].iloc[0]
    names = [i["name"] for i in area["indicators"]]
    assert "Antal aspiranter som fått Stockholmsjobb" in names
    out = tmp_path / "copy"
    shutil.copytree(local_run, out)
    export_csv(out)
    rows = pd.read_csv(out / "goals.csv")
    assert len(rows) == len(goals) and rows["indicators"].str.startswith("[").all()
