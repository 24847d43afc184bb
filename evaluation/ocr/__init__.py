"""Evaluation task: ocr (see MANIFEST.md)."""
