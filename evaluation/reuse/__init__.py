"""Evaluation task: reuse (see MANIFEST.md)."""
