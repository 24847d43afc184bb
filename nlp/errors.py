"""Errors with messages meant for the user; the CLI prints them without a traceback."""

from __future__ import annotations


class RapportError(Exception):
    """Base class: ``str(error)`` is a complete, actionable message."""

    exit_code = 2


class InputError(RapportError):
    """The input cannot be read as a report (missing, empty, corrupt, wrong type)."""


class EncryptedPdfError(InputError):
    pass


class ScannedPdfError(InputError):
    """A PDF without a text layer."""


class StoreError(RapportError):
    """The local store is missing or damaged."""
