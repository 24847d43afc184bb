"""Batch theme tagging of whole corpora to Parquet/CSV, locally or on Dask.

One report is one unit of work: ingest, segment, tag every passage with the default theme
model and name its programs, then write the report's rows as one Parquet part named by
the report's content hash::

    OUT/passages.parquet/<hash>.parquet     one row per passage
    OUT/goals.parquet/<hash>.parquet        one row per goal (kind, parent, assessment, indicators)
    OUT/documents.parquet/<hash>.parquet    one row per report (counts, theme shares)
    OUT/errors.csv                          files that failed, with the reason

A part is written to a hidden temporary name and renamed, so a killed run leaves no
half-written Parquet (readers skip names starting with "."); a rerun skips every report
whose part exists, so it continues where it stopped and never duplicates rows. The two
``.parquet`` folders are Parquet datasets: ``pandas.read_parquet(OUT / "passages.parquet")``,
DuckDB ``read_parquet('OUT/passages.parquet/*.parquet')`` and Spark read them as tables.
With ``--format csv`` the same parts are kept and ``passages.csv`` / ``documents.csv``
are written from them at the end.

The Dask engine runs the same function per report on ``dask.distributed`` workers (a
``LocalCluster`` by default, or an existing scheduler); results are identical to the
local engine because each report's rows depend only on that report.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable

from .errors import InputError, RapportError
from .model import parse_passage_id
from .store import file_sha256

PASSAGES = "passages.parquet"
GOALS = "goals.parquet"
DOCUMENTS = "documents.parquet"
ERRORS = "errors.csv"
PART_VERSION = "3"  # bump when the row layout changes: old parts are then redone (2: source_path; 3: goals, municipality, organisation)


@dataclass(frozen=True)
class WorkItem:
    path: str
    content_hash: str
    manifest: str | None = None  # a manifest CSV whose row overrides this file's metadata
    doc_id: str | None = None  # unique in the output folder (see assign_ids)
    replaces: str | None = None  # content hash of an earlier version of the same file, whose rows go
    ocr: str = "auto"  # travels with the unit of work to Dask workers


@dataclass
class BatchResult:
    out: Path
    done: int = 0
    skipped: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    pages: int = 0
    passages: int = 0
    seconds: float = 0.0


def plan(inputs: Iterable[str | Path]) -> tuple[list[WorkItem], list[tuple[str, str]]]:
    """Files, folders and manifest CSVs (file, district, year, report_type) → work items."""
    from .ingest import iter_report_files
    from .ingest.metadata import Manifest

    items: list[WorkItem] = []
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()

    def add(path: Path, manifest: str | None) -> None:
        try:
            digest = file_sha256(path)
        except OSError as exc:
            problems.append((str(path), f"cannot read: {exc.strerror or exc}"))
            return
        if digest in seen:
            return  # the same report twice (copies under two names) is tagged once
        seen.add(digest)
        items.append(WorkItem(str(path), digest, manifest))

    for raw in inputs:
        path = Path(raw)
        if path.suffix.lower() == ".csv" and path.is_file():
            manifest = Manifest.read(path)
            for file in manifest.files():
                if file.is_file():
                    add(file, str(path))
                else:
                    problems.append((str(file), f"listed in {path} but not found"))
        elif path.exists():
            for file in iter_report_files([path]):
                add(file, None)
        else:
            problems.append((str(path), "not found"))
    return items, problems


# -- the unit of work (runs in the local process or on a Dask worker) ------------------
@lru_cache(maxsize=1)
def _analyzer() -> Any:
    """The analysis stage (nlp/analysis.yaml), built once per process; its models load on first use."""
    from .analysis import Analyzer

    return Analyzer.from_config()


def document_rows(document: Any) -> tuple[list[dict], dict]:
    """Passage rows and the report row of one analysed document (read from its analysis slots)."""
    from .themes import theme_shares

    if "themes" not in document.analysis:
        raise RapportError(f"{document.id}: not analysed; run nlp.analysis.Analyzer over it first.")
    theme_ids = list(document.analysis["themes"]["themes"])
    rows = []
    named: set[str] = set()
    for block in document.passages:
        themes = block.analysis.themes
        names = block.analysis.program_names
        named.update(names)
        row = {"passage_id": document.passage_id(block), "doc": document.id, "content_hash": document.content_hash,
               "district": document.district, "municipality": document.municipality,
               "organisation": document.organisation, "year": document.year, "report_type": document.report_type,
               "page": block.page, "section": list(block.section), "type": block.type.value, "text": block.text,
               "labels": list(themes.labels) if themes else [], "programs": sorted(names)}
        row.update({f"score_{t}": round(float(themes.scores[t]) if themes else 0.0, 6) for t in theme_ids})
        rows.append(row)
    report = {"doc": document.id, "content_hash": document.content_hash, "source": Path(document.source_path).name,
              "source_path": str(Path(document.source_path).resolve()),
              "district": document.district, "municipality": document.municipality,
              "organisation": document.organisation, "year": document.year, "report_type": document.report_type,
              "period": document.period, "pages": document.pages, "passages": len(rows),
              "words": sum(len(r["text"].split()) for r in rows),
              "programs": len(named)}
    report.update({f"passages_{t}": sum(t in r["labels"] for r in rows) for t in theme_ids})
    report.update({f"share_{t}": share for t, share in theme_shares(rows, theme_ids).items()})
    return rows, report


def _write_parquet_atomic(rows: list[dict], path: Path, schema: Any = None) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    table = pa.Table.from_pylist(rows, schema=schema or _schema(rows)) if rows or schema else pa.table({})
    table = table.replace_schema_metadata({"rapport_part_version": PART_VERSION})
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def goal_schema() -> Any:
    """goals.parquet: one row per goal, its indicators as a list of structs."""
    import pyarrow as pa

    indicator = pa.struct([("name", pa.string()), ("outcome", pa.string()), ("forecast", pa.string()),
                           ("target", pa.string()), ("period", pa.string()), ("values", pa.list_(pa.string())),
                           ("columns", pa.string())])
    text = pa.string()
    return pa.schema([("doc", text), ("content_hash", text), ("district", text), ("year", pa.int64()),
                      ("report_type", text), ("municipality", text), ("organisation", text), ("kind", text), ("number", text), ("goal", text), ("parent", text),
                      ("parent_number", text), ("assessment", text), ("assessment_source", text),
                      ("assessment_text", text), ("page", pa.int64()), ("block", pa.int64()), ("passage_id", text),
                      ("indicators", pa.list_(indicator))])


def goal_rows(document: Any) -> list[dict]:
    from .goals import extract_goals

    rows = []
    for goal in extract_goals(document):
        record = goal.to_record()
        record["content_hash"] = document.content_hash
        rows.append({name: record.get(name) for name in goal_schema().names})
    return rows


def _schema(rows: list[dict]) -> Any:
    """Stable column types (a report with no programs still has a list<string> column)."""
    import pyarrow as pa

    types = {"year": pa.int64(), "page": pa.int64(), "pages": pa.int64(), "passages": pa.int64(), "words": pa.int64(),
             "programs": pa.list_(pa.string()) if isinstance(rows[0].get("programs"), list) else pa.int64(),
             "section": pa.list_(pa.string()), "labels": pa.list_(pa.string())}
    fields = []
    for name in rows[0]:
        if name in types:
            fields.append(pa.field(name, types[name]))
        elif name.startswith(("score_", "share_")):
            fields.append(pa.field(name, pa.float64()))
        elif name.startswith("passages_"):
            fields.append(pa.field(name, pa.int64()))
        else:
            fields.append(pa.field(name, pa.string()))
    return pa.schema(fields)


def process(item: WorkItem, out: str) -> dict[str, Any]:
    """Tag one report and write its parts; returns a small status record (never raises)."""
    from .ingest import load_document
    from .ingest.metadata import Manifest

    out_dir = Path(out)
    try:
        manifest = Manifest.read(item.manifest) if item.manifest else None
        document = load_document(item.path, manifest=manifest, ocr=item.ocr)
        if item.doc_id:
            document.id = item.doc_id
        rows, report = document_rows(_analyzer()(document))
        name = f"{item.content_hash}.parquet"
        # the passage and goal parts first, the report part last: it marks the unit done
        _write_parquet_atomic(rows, out_dir / PASSAGES / name)
        _write_parquet_atomic(goal_rows(document), out_dir / GOALS / name, schema=goal_schema())
        _write_parquet_atomic([report], out_dir / DOCUMENTS / name)
        return {"path": item.path, "content_hash": item.content_hash, "ok": True, "pages": document.pages or 0, "passages": len(rows)}
    except RapportError as exc:
        return {"path": item.path, "ok": False, "error": str(exc)}
    except Exception as exc:  # a bug or an unforeseen file must not stop the corpus run
        return {"path": item.path, "ok": False, "error": f"internal error: {type(exc).__name__}: {exc}"}


def existing_reports(out: Path) -> list[dict[str, Any]]:
    """(doc, content_hash, source_path) of every finished report part in ``out``."""
    import pyarrow.parquet as pq

    found = []
    for part in sorted((out / DOCUMENTS).glob("*.parquet")):
        if part.name.startswith("."):
            continue
        try:
            if (pq.read_schema(part).metadata or {}).get(b"rapport_part_version") != PART_VERSION.encode():
                continue
            table = pq.read_table(part, columns=["doc", "content_hash", "source_path"]).to_pylist()
        except Exception:  # noqa: BLE001 - an unreadable part is redone, not trusted
            continue
        found.extend(table)
    return found


def assign_ids(items: list[WorkItem], out: Path) -> list[WorkItem]:
    """Give every report an id unique in ``out``: the file name's id, with a content-hash
    suffix when another report already has it (``a/rapport.pdf`` and ``b/rapport.pdf``);
    a new version of an already tagged file keeps its id and replaces its rows."""
    from dataclasses import replace

    from .ingest import document_id

    existing = existing_reports(out)
    by_hash = {r["content_hash"]: r["doc"] for r in existing}
    by_source = {r["source_path"]: r for r in existing if r.get("source_path")}
    taken = {r["doc"] for r in existing}
    assigned = []
    for item in items:
        source = str(Path(item.path).resolve())
        if item.content_hash in by_hash:
            assigned.append(replace(item, doc_id=by_hash[item.content_hash]))
            continue
        old = by_source.get(source)
        if old is not None:
            assigned.append(replace(item, doc_id=old["doc"], replaces=old["content_hash"]))
            continue
        base = document_id(Path(item.path))
        doc_id = base if base not in taken else f"{base}-{item.content_hash[:8]}"
        taken.add(doc_id)
        assigned.append(replace(item, doc_id=doc_id))
    return assigned


def remove_parts(out: Path, content_hash: str) -> None:
    """Drop one report's rows: the report part first (it marks the unit done, and readers
    ignore passage parts without one), then its passages."""
    (out / DOCUMENTS / f"{content_hash}.parquet").unlink(missing_ok=True)
    (out / PASSAGES / f"{content_hash}.parquet").unlink(missing_ok=True)
    (out / GOALS / f"{content_hash}.parquet").unlink(missing_ok=True)


def is_done(item: WorkItem, out: Path) -> bool:
    part = out / DOCUMENTS / f"{item.content_hash}.parquet"
    if not part.exists():
        return False
    import pyarrow.parquet as pq

    try:
        metadata = pq.read_schema(part).metadata or {}
    except Exception:  # noqa: BLE001 - an unreadable part is redone
        return False
    return metadata.get(b"rapport_part_version") == PART_VERSION.encode()


# -- running -----------------------------------------------------------------------------
class Progress:
    """A tqdm bar with ETA on a terminal; plain log lines otherwise."""

    def __init__(self, total: int, stream: Any = None) -> None:
        self.stream = stream or sys.stderr
        self.total = total
        self.count = 0
        self.start = time.perf_counter()
        self.bar = None
        if total and getattr(self.stream, "isatty", lambda: False)():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="rapport", file=self.stream, dynamic_ncols=True)

    def update(self, status: dict[str, Any]) -> None:
        self.count += 1
        if self.bar is not None:
            self.bar.update(1)
            if not status["ok"]:
                self.bar.write(f"misslyckades: {status['path']}: {status['error']}")
            return
        elapsed = time.perf_counter() - self.start
        eta = elapsed / self.count * (self.total - self.count)
        outcome = f"{status['passages']} passages" if status["ok"] else f"FAILED: {status['error']}"
        self.stream.write(f"[{self.count}/{self.total}] {Path(status['path']).name}: {outcome} "
                          f"(elapsed {elapsed:.0f} s, ETA {eta:.0f} s)\n")
        self.stream.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run(inputs: Iterable[str | Path], out: str | Path, fmt: str = "parquet", engine: str = "local",
        workers: int | None = None, scheduler: str | None = None, stream: Any = None,
        on_status: Callable[[dict[str, Any]], None] | None = None, ocr: str = "auto") -> BatchResult:
    """Tag every report under ``inputs`` into ``out`` (see module docstring)."""
    if fmt not in ("parquet", "csv"):
        raise InputError(f"unknown format {fmt!r}; use parquet or csv.")
    if engine not in ("local", "dask"):
        raise InputError(f"unknown engine {engine!r}; use local or dask.")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    items, problems = plan(inputs)
    if not items and not problems:
        raise InputError("no .pdf or .txt reports found in the given paths.")
    result = BatchResult(out=out, failed=list(problems))
    from dataclasses import replace

    items = [replace(item, ocr=ocr) for item in assign_ids(items, out)]
    replaces = {item.content_hash: item.replaces for item in items if item.replaces}
    todo = [item for item in items if not is_done(item, out)]
    result.skipped = len(items) - len(todo)
    if result.skipped:
        (stream or sys.stderr).write(f"{result.skipped} report(s) already tagged in {out}; continuing with {len(todo)}\n")
    progress = Progress(len(todo), stream)

    def record(status: dict[str, Any]) -> None:
        progress.update(status)
        if status["ok"]:
            if replaces.get(status.get("content_hash", "")):
                remove_parts(out, replaces[status["content_hash"]])  # the old version's rows go
            result.done += 1
            result.pages += status["pages"]
            result.passages += status["passages"]
        else:
            result.failed.append((status["path"], status["error"]))
        if on_status:
            on_status(status)

    try:
        if engine == "local":
            for item in todo:
                record(process(item, str(out)))
        else:
            _run_dask(todo, out, workers, scheduler, record)
    finally:
        progress.close()
        _write_errors(out, result.failed)
    if fmt == "csv":
        export_csv(out)
    result.seconds = time.perf_counter() - started
    return result


def _run_dask(todo: list[WorkItem], out: Path, workers: int | None, scheduler: str | None,
              record: Callable[[dict[str, Any]], None]) -> None:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as exc:  # pragma: no cover - declared dependency
        raise RapportError("--engine dask needs dask[distributed] (pip install 'dask[distributed]').") from exc
    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, timeout="20s")
        else:
            cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=40)
            client = Client(cluster)
    except OSError as exc:
        raise RapportError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from exc
    try:
        futures = client.map(process, todo, out=str(out.resolve()), pure=False)
        for future in as_completed(futures):
            record(future.result())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _write_errors(out: Path, failed: list[tuple[str, str]]) -> None:
    from .store import atomic_write_text

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["file", "reason"])
    writer.writerows(failed)
    atomic_write_text(out / ERRORS, buffer.getvalue())


def read_table(out: str | Path, name: str = PASSAGES) -> Any:
    """A pandas DataFrame of a dataset in ``out``, sorted for stable comparisons."""
    import pandas as pd

    folder = Path(out) / name
    parts = sorted(p for p in folder.glob("*.parquet") if not p.name.startswith("."))
    if name in (PASSAGES, GOALS):  # a unit is done when its report part exists (see process)
        parts = [p for p in parts if (Path(out) / DOCUMENTS / p.name).exists()]
    if not parts:
        return pd.DataFrame()
    frames = [pd.read_parquet(p) for p in parts]
    frame = pd.concat([f for f in frames if len(f.columns)], ignore_index=True)
    keys = ["doc", "block"] if "block" in frame.columns else ["doc"]
    if "passage_id" in frame.columns and name == PASSAGES:
        frame["_order"] = frame["passage_id"].map(lambda value: parse_passage_id(value)[1])
        frame = frame.sort_values(["doc", "_order"]).drop(columns="_order")
    else:
        frame = frame.sort_values(keys)
    return frame.reset_index(drop=True)


def export_csv(out: str | Path) -> None:
    """passages.csv and documents.csv from the Parquet parts (lists as JSON)."""
    from .store import atomic_write_text

    out = Path(out)
    for name, target in ((PASSAGES, "passages.csv"), (GOALS, "goals.csv"), (DOCUMENTS, "documents.csv")):
        frame = read_table(out, name)
        for column in frame.columns:
            if frame[column].map(lambda v: hasattr(v, "__len__") and not isinstance(v, str)).any():
                frame[column] = frame[column].map(lambda v: json.dumps(_plain(v), ensure_ascii=False))
        atomic_write_text(out / target, frame.to_csv(index=False))


def _plain(value: Any) -> Any:
    """Parquet lists and structs (NumPy arrays, dicts of arrays) as plain JSON values."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "__len__") and not isinstance(value, str):
        return [_plain(v) for v in value]
    return value.item() if hasattr(value, "item") else value


def trend_rows(out: str | Path) -> list[Any]:
    """Theme share (by words) per district and year from ``documents.parquet``: ``nlp.trends.TrendRow``s."""
    import pandas as pd

    from .trends import TrendUnit, theme_trends

    frame = read_table(out, DOCUMENTS)
    if frame.empty:
        raise InputError(f"{out}: no tagged reports here; run `rapport tag PATH... --out {out}` first.")
    theme_ids = [c[len("share_"):] for c in frame.columns if c.startswith("share_")]
    units = [TrendUnit(district=None if pd.isna(r["district"]) else r["district"],
                       year=None if pd.isna(r["year"]) else int(r["year"]), doc=r["doc"], words=int(r["words"]),
                       theme_words={t: float(r[f"share_{t}"]) * int(r["words"]) for t in theme_ids},
                       passages=int(r["passages"]))
             for r in frame.to_dict("records")]
    return theme_trends(units, theme_ids, unknown=None)


def trends_table(rows: list[Any]) -> Any:
    """Trend rows as a table: district, year, reports, words and one share column per theme."""
    import pandas as pd

    return pd.DataFrame([{"district": row.district, "year": row.year, "reports": len(row.documents), "words": row.words,
                          **row.shares} for row in rows])


def trends(out: str | Path) -> Any:
    """:func:`trend_rows` of a batch output folder as a table (:func:`trends_table`)."""
    return trends_table(trend_rows(out))
