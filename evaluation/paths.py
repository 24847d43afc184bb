"""The one place evaluation scripts take their paths from.

Scripts never count ``parents[N]``: they ask for ``data("goals")``, ``results("goals")``
or ``scratch("goals")`` (scratch output, git-ignored) and use ``ROOT``/``CORPORA`` for the rest.
"""

from __future__ import annotations

from pathlib import Path

from nlp.defaults import TRAINING_DATA

EVALUATION = Path(__file__).resolve().parent
ROOT = EVALUATION.parent  # the repository
CORPORA = ROOT / "corpora"
MODELS = ROOT / "models"
OUT = EVALUATION / "out"  # generated documents and scratch work (git-ignored)

__all__ = ["CORPORA", "EVALUATION", "MODELS", "OUT", "ROOT", "TRAINING_DATA", "data", "results", "scratch", "task"]


def task(name: str) -> Path:
    """The folder of one task: ``evaluation/<name>``."""
    return EVALUATION / name


def data(name: str) -> Path:
    """A task's input data: ``evaluation/<name>/data``."""
    return EVALUATION / name / "data"


def results(name: str) -> Path:
    """A task's committed results: ``evaluation/<name>/results``."""
    return EVALUATION / name / "results"


def scratch(*parts: str) -> Path:
    """Scratch output under ``evaluation/out/`` (git-ignored)."""
    return OUT.joinpath(*parts)
