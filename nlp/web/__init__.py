"""Web app and REST API over the search index: ``rapport serve``.

    from nlp.web import create_app
    app = create_app(".rapport/index")          # a FastAPI app; run it with uvicorn

Pages (Swedish, server-rendered, no JavaScript): search with filters, a report with its
sections, theme bars and reused passages, theme trends per district and year, the program
registry, reuse side by side. REST under /api; the OpenAPI description at /openapi.json.
"""

from __future__ import annotations

from typing import Any


def create_app(*args: Any, **kwargs: Any) -> Any:
    from .app import create_app as _create_app

    return _create_app(*args, **kwargs)


__all__ = ["create_app"]
