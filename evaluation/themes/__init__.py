"""Evaluation task: themes (see MANIFEST.md)."""
