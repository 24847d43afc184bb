"""Evaluation task: formats (see MANIFEST.md)."""
