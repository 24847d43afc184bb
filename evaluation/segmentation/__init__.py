"""Evaluation task: segmentation (see MANIFEST.md)."""
