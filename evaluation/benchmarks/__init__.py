"""Evaluation task: benchmarks (see MANIFEST.md)."""
