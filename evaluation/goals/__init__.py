"""Evaluation task: goals (see MANIFEST.md)."""
