"""Load benchmark of the web API's search: requests/s and latency percentiles.

Starts ``rapport serve`` (``python -m nlp.cli_serve``) on a free loopback port in its own
process, waits until it answers, then sends GET /api/search requests from a local Python
client (``httpx``, keep-alive connections, N worker threads) with the 48 queries of
``evaluation/search/data/queries.jsonl`` in turn. Bounded: at most --requests requests per
run and --seconds seconds, whichever comes first; only 127.0.0.1 is ever contacted; the
server is stopped at the end.

    python -m evaluation.benchmarks.scripts.bench_web --index .rapport/index --requests 300 --concurrency 1 4 --modes hybrid bm25
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from evaluation.paths import ROOT, data

QUERIES = data("search") / "queries.jsonl"
HOST = "127.0.0.1"  # loopback only


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(index: str, port: int) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "nlp.cli_serve", "--index", index, "--host", HOST,
                                "--port", str(port), "--log-level", "warning"], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited: {process.stderr.read()[-2000:]}")
        try:
            if httpx.get(f"http://{HOST}:{port}/api/documents", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start within 180 s")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))  # nearest rank
    return ordered[k]


def run(base: str, queries: list[str], mode: str, concurrency: int, requests: int, seconds: float,
        top_k: int) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    counter = iter(range(requests))
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker() -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            while time.monotonic() < stop_at:
                with lock:
                    n = next(counter, None)
                if n is None:
                    return
                params = {"q": queries[n % len(queries)], "top_k": top_k, "mode": mode}
                t0 = time.perf_counter()
                try:
                    response = client.get("/api/search", params=params)
                    ok = response.status_code == 200 and "results" in response.json()
                except httpx.HTTPError as exc:
                    ok, response = False, exc
                elapsed = time.perf_counter() - t0
                with lock:
                    latencies.append(elapsed) if ok else errors.append(str(getattr(response, "status_code", response)))

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    done = len(latencies)
    return {"mode": mode, "concurrency": concurrency, "requests": done, "errors": len(errors), "seconds": round(wall, 2),
            "requests_per_s": round(done / wall, 1) if wall else 0.0,
            "p50_ms": round(1000 * statistics.median(latencies), 1) if latencies else None,
            "p95_ms": round(1000 * percentile(latencies, 95), 1) if latencies else None,
            "p99_ms": round(1000 * percentile(latencies, 99), 1) if latencies else None,
            "max_ms": round(1000 * max(latencies), 1) if latencies else None}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", default=".rapport/index")
    parser.add_argument("--requests", type=int, default=300, help="requests per run (bound)")
    parser.add_argument("--seconds", type=float, default=60, help="time per run (bound)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--modes", nargs="+", default=["hybrid", "bm25"], choices=["hybrid", "bm25", "dense"])
    parser.add_argument("--top-k", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--out", help="also write the results as JSON here")
    args = parser.parse_args()
    if args.requests > 10_000 or args.seconds > 600:
        parser.error("keep a run bounded: at most 10,000 requests and 600 seconds")
    queries = [json.loads(line)["query"] for line in QUERIES.read_text(encoding="utf-8").splitlines() if line.strip()]
    port = free_port()
    server = start_server(args.index, port)
    base = f"http://{HOST}:{port}"
    rows = []
    try:
        documents = httpx.get(f"{base}/api/documents").json()["documents"]
        passages = sum(d["passages"] for d in documents)
        for mode in args.modes:
            run(base, queries, mode, 1, args.warmup, 60, args.top_k)  # warm-up, not counted
            for concurrency in args.concurrency:
                row = run(base, queries, mode, concurrency, args.requests, args.seconds, args.top_k)
                rows.append(row)
                print(json.dumps(row), flush=True)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
    print(f"\nindex: {len(documents)} reports, {passages} passages; {os.cpu_count()} cores; top_k={args.top_k}")
    print("| mode | clients | requests | errors | requests/s | p50 ms | p95 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['mode']} | {r['concurrency']} | {r['requests']} | {r['errors']} | {r['requests_per_s']} | "
              f"{r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} |")
    if args.out:
        Path(args.out).write_text(json.dumps({"passages": passages, "reports": len(documents), "top_k": args.top_k,
                                              "runs": rows}, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
