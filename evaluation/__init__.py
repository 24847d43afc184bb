"""Evaluation and benchmark scripts of rapport, one folder per task.

Each task folder holds ``data/`` (gold sets, annotation passes, inputs), ``scripts/``
(run from the repository root as ``python -m evaluation.<task>.scripts.<name>``),
``results/`` (the committed figures) and a ``MANIFEST.md``. Shared helpers live in
``evaluation/common/``; every path is built from the constants of ``evaluation.paths``.
"""
