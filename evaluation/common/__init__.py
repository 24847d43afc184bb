"""Helpers shared by several evaluation tasks (the report generator)."""
