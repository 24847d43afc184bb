"""Evaluation task: encoders (see MANIFEST.md)."""
