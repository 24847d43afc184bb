"""Semantic search across years and districts: ``nlp.search.Index``.

BM25 over Swedish analysis (stems, compound parts) and dense multilingual-E5 vectors,
fused by reciprocal rank; filters on district, year, report type, theme and program;
snippets with provenance (document, page, section).
"""

from __future__ import annotations

from .analysis import AnalyzerConfig, analyze, compound_parts
from .index import CorruptIndexError, Filters, Hit, Index, IndexError_, make_snippet

from ..defaults import DEFAULT_INDEX  # noqa: E402

__all__ = ["AnalyzerConfig", "CorruptIndexError", "DEFAULT_INDEX", "Filters", "Hit", "Index", "IndexError_",
           "analyze", "compound_parts", "make_snippet"]
