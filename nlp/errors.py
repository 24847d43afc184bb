"""Errors with messages meant for the user; the CLI prints them without a traceback."""

from __future__ import annotations


class RapportError(Exception):
    """Base class: ``str(error)`` is a complete, actionable message.

    ``code`` names the error for programs (the web app translates by it instead of
    re-checking the input) and ``params`` carries the values the message names."""

    exit_code = 2

    def __init__(self, message: str = "", code: str | None = None, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


class InputError(RapportError):
    """The input cannot be read as a report (missing, empty, corrupt, wrong type)."""


class EncryptedPdfError(InputError):
    pass


class ScannedPdfError(InputError):
    """A PDF without a text layer."""


class StoreError(RapportError):
    """The local store is missing or damaged."""
