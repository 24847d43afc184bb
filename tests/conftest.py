"""Shared fixtures: the real corpus texts and their segmented documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp.ingest import load_document
from nlp.model import Document

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpora"
SODERMALM = CORPUS / "sodermalm_2020_tertialrapport-1.txt"
NORRA = CORPUS / "norra-innerstaden_2025_tertialrapport-1.txt"


@pytest.fixture(scope="session")
def sodermalm() -> Document:
    return load_document(SODERMALM)


@pytest.fixture(scope="session")
def norra() -> Document:
    return load_document(NORRA)
