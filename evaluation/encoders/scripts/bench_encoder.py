"""Benchmark (#19): E5 on PyTorch (sentence-transformers) against ONNX Runtime int8.

Each back-end runs in its own process (so load time and peak memory are its own) with the
same threads (``--threads``, default 2), on the same texts: 400+ distinct Swedish prose
sentences from ``corpora/*.txt`` (the selection of ``check_e5_build.py``) encoded as
passages with batch size 32, as the search index and themes do, plus the queries of that
script. Reported per back-end: passages/s (median of ``--runs`` timed passes after a
warm-up, and the best pass: on a shared machine the best is the least disturbed), load
seconds (imports included), peak RSS, and the cosine of every passage and query vector to the float PyTorch model's (mean, min, 1st percentile). Extra ONNX folders
(``--variant PATH``, e.g. a per-tensor or fp32 export) are measured the same way. Prints a
table and writes ``evaluation/encoders/results/bench_encoder.json``.

    python -m evaluation.encoders.scripts.bench_encoder [--sentences 480] [--runs 3] [--threads 2]
        [--variant /tmp/e5-onnx-per-tensor ...]

Timings are wall-clock on a shared machine: other work may be running.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from evaluation.paths import ROOT, results

RESULTS = results("encoders")
BATCH = 32


def child(backend: str, texts_file: Path, out: Path, runs: int, threads: int) -> None:
    import numpy as np

    data = json.loads(texts_file.read_text(encoding="utf-8"))
    passages, queries = data["passages"], data["queries"]
    start = time.perf_counter()
    if backend == "torch":
        import torch

        torch.set_num_threads(threads)
        from nlp.encoders import load_encoder

        encoder = load_encoder(data["model"], backend="torch")
    else:
        from nlp.encoders.onnx_encoder import OnnxEncoder

        encoder = OnnxEncoder(backend.split(":", 1)[1], threads=threads)
    load_s = time.perf_counter() - start
    kwargs = dict(batch_size=BATCH, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    encoder.encode(passages[:BATCH], prompt_name="passage", **kwargs)  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        vectors = encoder.encode(passages, prompt_name="passage", **kwargs)
        times.append(time.perf_counter() - start)
    query_vectors = encoder.encode(queries, prompt_name="query", **kwargs)
    np.save(out, np.vstack([vectors, query_vectors]).astype(np.float32))
    print(json.dumps({"load_s": load_s, "seconds": sorted(times), "median_s": float(np.median(times)),
                      "passages_per_s": len(passages) / float(np.median(times)),
                      "best_passages_per_s": len(passages) / min(times),
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def run_child(backend: str, texts_file: Path, out: Path, runs: int, threads: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS=str(threads), TOKENIZERS_PARALLELISM="false")
    proc = subprocess.run([sys.executable, "-m", "evaluation.encoders.scripts.bench_encoder", "--child", backend,
                           "--texts", str(texts_file), "--vectors", str(out), "--runs", str(runs), "--threads", str(threads)],
                          capture_output=True, text=True, env=env, cwd=ROOT)
    if proc.returncode:
        raise SystemExit(f"{backend} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def cosine_summary(a, b) -> dict[str, float]:  # noqa: ANN001 - numpy arrays
    import numpy as np

    cos = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return {"mean": round(float(cos.mean()), 5), "min": round(float(cos.min()), 5),
            "p1": round(float(np.percentile(cos, 1)), 5), "share_ge_0.99": round(float((cos >= 0.99).mean()), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=None, help="the E5 folder (default: models/multilingual-e5-small)")
    parser.add_argument("--onnx", type=Path, default=None, help="its ONNX export (default: <model>-onnx)")
    parser.add_argument("--variant", type=Path, action="append", default=[], help="another ONNX folder to measure")
    parser.add_argument("--sentences", type=int, default=480)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--texts", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--vectors", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.texts, args.vectors, args.runs, args.threads)
        return

    import numpy as np
    from evaluation.encoders.scripts.check_e5_build import QUERIES, corpus_sentences

    from nlp.encoders import default_encoder_path, onnx_folder

    model = (args.model or default_encoder_path()).absolute()
    export = args.onnx or onnx_folder(model)
    if export is None:
        raise SystemExit(f"no ONNX export for {model}; run tools/export_e5_onnx.py")
    passages = corpus_sentences(args.sentences, args.seed)
    backends = [("torch (sentence-transformers, float32)", "torch")]
    for folder in [export, *args.variant]:
        config = json.loads((Path(folder) / "encoder_config.json").read_text())
        backends.append((f"ONNX Runtime, {config['format']} ({Path(folder).name})", f"onnx:{Path(folder).absolute()}"))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        texts_file = Path(tmp) / "texts.json"
        texts_file.write_text(json.dumps({"model": str(model), "passages": passages, "queries": QUERIES}, ensure_ascii=False))
        vectors = {}
        for label, backend in backends:
            print(f"running {label} ...", file=sys.stderr, flush=True)
            result = run_child(backend, texts_file, Path(tmp) / f"{len(rows)}.npy", args.runs, args.threads)
            vectors[backend] = np.load(Path(tmp) / f"{len(rows)}.npy")
            rows.append({"backend": label, "spec": backend.split(":")[0] if backend == "torch" else backend, **result})
    reference = vectors["torch"]
    n = len(passages)
    for row, (_, backend) in zip(rows, backends):
        row["speedup"] = row["passages_per_s"] / rows[0]["passages_per_s"]
        row["speedup_best"] = row["best_passages_per_s"] / rows[0]["best_passages_per_s"]
        row["cosine_passages"] = cosine_summary(vectors[backend][:n], reference[:n])
        row["cosine_queries"] = cosine_summary(vectors[backend][n:], reference[n:])
        top = lambda v: np.argsort(-(v[n:] @ v[:n].T), axis=1)[:, :10]  # noqa: E731
        row["top10_overlap_with_torch"] = round(float(np.mean([len(set(a) & set(b)) / 10 for a, b in
                                                               zip(top(vectors[backend]), top(reference))])), 4)
    load = os.getloadavg()
    print(f"\n{n} corpus sentences as passages + {len(QUERIES)} queries, batch {BATCH}, {args.threads} threads, "
          f"{os.cpu_count()} cores, load average {load[0]:.2f} (shared machine), Python {platform.python_version()}\n")
    print("| back-end | passages/s (median / best) | × torch (median / best) | load (s) | peak RSS (MB) | cosine mean | "
          "cosine min | cosine p1 | queries mean / min | top-10 overlap |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        cp, cq = row["cosine_passages"], row["cosine_queries"]
        print(f"| {row['backend']} | {row['passages_per_s']:.1f} / {row['best_passages_per_s']:.1f} | "
              f"{row['speedup']:.2f} / {row['speedup_best']:.2f} | {row['load_s']:.1f} | "
              f"{row['peak_rss_mb']:.0f} | {cp['mean']:.4f} | {cp['min']:.4f} | {cp['p1']:.4f} | "
              f"{cq['mean']:.4f} / {cq['min']:.4f} | "
              f"{row['top10_overlap_with_torch']:.3f} |")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench_encoder.json").write_text(json.dumps({
        "time": time.strftime("%Y-%m-%d %H:%M"), "cores": os.cpu_count(), "threads": args.threads, "load_average": load,
        "note": "wall-clock on a shared machine, under load", "passages": n, "queries": len(QUERIES), "batch_size": BATCH,
        "runs": args.runs, "model": str(model), "results": rows}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
