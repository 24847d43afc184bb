"""Default locations and limits, in one light module: the CLI reads them before it knows
which command runs, so this imports nothing heavy (no spaCy, NumPy or scikit-learn)."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
REPOSITORY = PACKAGE.parent
# Trained model folders; RAPPORT_MODELS points elsewhere (e.g. a shared, read-only copy).
MODELS = Path(os.environ.get("RAPPORT_MODELS", REPOSITORY / "models"))
TAXONOMY = PACKAGE / "themes" / "taxonomy.yaml"
# Data the shipped models are trained on (themes/, programs/; see corpora/training/README.md);
# evaluation sets stay under evaluation/.
TRAINING_DATA = REPOSITORY / "corpora" / "training"

DEFAULT_STORE = Path(".rapport") / "store"
DEFAULT_INDEX = Path(".rapport") / "index"

MAX_PASSAGE_CHARS = 100_000  # a passage longer than this is not a passage
