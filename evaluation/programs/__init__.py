"""Evaluation task: programs (see MANIFEST.md)."""
