"""Evaluation task: search (see MANIFEST.md)."""
