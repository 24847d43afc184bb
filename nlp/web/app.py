"""The FastAPI application: REST API under /api, server-rendered pages elsewhere.

Read-only: only GET routes (anything else is 405); no uploads. Every error is answered without a
stack trace: as JSON ``{"error": ..., "status": ...}`` under /api (and for any request
that asks for JSON), as a short Swedish HTML page otherwise.
"""

from __future__ import annotations

import html
import logging
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from jinja2 import DictLoader, Environment, select_autoescape
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..errors import InputError, RapportError
from ..model import parse_passage_id
from . import services
from .services import MAX_QUERY_CHARS, MAX_TOP_K, NotFound, WebData
from .templates import TEMPLATES

log = logging.getLogger("rapport.web")

NAV = [("/", "Sök", "search"), ("/dokument", "Rapporter", "documents"), ("/teman", "Teman", "trends"),
       ("/program", "Program", "programs"), ("/mal", "Mål", "goals"), ("/ateranvandning", "Återanvändning", "reuse")]
GOAL_KINDS = {"inriktningsmål": "KF:s inriktningsmål", "verksamhetsområdesmål": "KF:s mål för verksamhetsområdet",
              "nämndmål": "Nämndmål"}
ASSESSMENT_LABELS = {"helt": "Uppfylls helt", "delvis": "Uppfylls delvis", "inte": "Uppfylls inte", None: "Ingen bedömning"}
PROGRAM_KINDS = {"program": "program", "method": "metod", "initiative": "initiativ", "project": "projekt",
                 "plan": "plan", "strategy": "strategi", "model": "modell", "policy": "policy", "network": "nätverk"}
KIND_LABELS = {"exact": "ordagrann kopia", "near": "lätt redigerad", "sentence": "kopierad mening"}
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}


class SearchResult(BaseModel):
    text: str
    snippet: str
    doc: str
    district: str | None
    year: int | None
    page: int | None
    section: list[str]
    score: float
    id: str
    rank: int
    themes: list[str]
    matched: list[str]


class SearchResponse(BaseModel):
    query: str
    results: list[SearchResult]


def passage_number(value: str) -> str:
    return str(parse_passage_id(value)[1])


def passage_url(value: str) -> str:
    doc, n = parse_passage_id(value)
    return f"/dokument/{quote(doc, safe='')}#p-{n}"


def highlight(text: str, matched: list[str]) -> str:
    """HTML-escaped text with the matched words in <mark>."""
    escaped = html.escape(text)
    if not matched:
        return escaped
    pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(html.escape(w)) for w in sorted(matched, key=len, reverse=True))
                         + r")(?![\w-])", re.IGNORECASE)
    return pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", escaped)


def _int(value: str | None, name: str, low: int, high: int) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except ValueError:
        raise InputError(f"{name} måste vara ett heltal (fick {value[:20]!r}).") from None
    if not low <= number <= high:
        raise InputError(f"{name} måste vara mellan {low} och {high}.")
    return number


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api") or request.url.path == "/openapi.json" or \
        "application/json" in request.headers.get("accept", "")


def create_app(index_dir: str | Path, store_dir: str | Path | None = None, programs_path: str | Path | None = None,
               encoder: str | Path | None = "default", data: WebData | None = None) -> FastAPI:
    """The app over an index folder (opened once, read-only)."""
    data = data or WebData(index_dir, store_dir=store_dir, programs_path=programs_path, encoder=encoder)
    env = Environment(loader=DictLoader(TEMPLATES), autoescape=select_autoescape(default=True, default_for_string=True))
    app = FastAPI(title="rapport", version=__version__, docs_url=None, redoc_url=None,
                  description="Sök, teman, program och återanvänd text i stadsdelsnämndernas rapporter. "
                              "Skrivskyddat REST-API; fel besvaras som JSON med 4xx-status.")
    app.state.data = data
    from .server import HeadAsGet

    app.add_middleware(HeadAsGet)  # outermost: HEAD is routed as GET, the body dropped

    def page(name: str, active: str | None, status: int = 200, **context: Any) -> HTMLResponse:
        body = env.get_template(name).render(nav=NAV, active=active, **context)
        return HTMLResponse(body, status_code=status)

    def error_response(request: Request, status: int, message: str) -> Any:
        if _wants_json(request):
            return JSONResponse({"error": message, "status": status}, status_code=status)
        title = {404: "Hittades inte", 405: "Otillåten metod"}.get(status, "Något gick fel" if status >= 500 else "Felaktig begäran")
        return page("error.html", None, status=status, title=title, message=message)

    @app.middleware("http")
    async def headers(request: Request, call_next: Any) -> Any:
        response = await call_next(request)
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        return response

    @app.exception_handler(RapportError)
    async def rapport_error(request: Request, exc: RapportError) -> Any:
        return error_response(request, 404 if isinstance(exc, NotFound) else 400, str(exc))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Any:
        problems = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', [])[1:]) or 'begäran'}: {e.get('msg')}"
                             for e in exc.errors()[:5])
        return error_response(request, 422, f"Ogiltiga parametrar: {problems}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Any:
        messages = {404: "Sidan finns inte.", 405: "Metoden är inte tillåten: tjänsten är skrivskyddad."}
        return error_response(request, exc.status_code, messages.get(exc.status_code, str(exc.detail)))

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> Any:  # never a stack trace to the client
        log.error("internal error on %s: %s: %s", request.url.path, type(exc).__name__, exc)
        return error_response(request, 500, "Internt fel; försök igen eller kontakta förvaltaren.")

    # -- API -----------------------------------------------------------------------
    @app.get("/api/search", response_model=SearchResponse, tags=["api"],
             summary="Sök textavsnitt (BM25 + E5, filter på stadsdel, år och tema)")
    def api_search(q: str = Query(..., max_length=MAX_QUERY_CHARS, description="sökord eller fråga"),
                   top_k: str | None = Query(None, description=f"antal träffar, 1–{MAX_TOP_K} (standard 10)"),
                   district: str | None = None, year: str | None = None,
                   theme: str | None = Query(None, description="tema-id, t.ex. trygghet"),
                   mode: str = Query("hybrid", pattern="^(hybrid|bm25|dense)$")) -> dict[str, Any]:
        k = _int(top_k, "top_k", 1, MAX_TOP_K) or services.DEFAULT_TOP_K
        results = data.search(q, top_k=k, district=district, year=_int(year, "year", 1900, 2100), theme=theme, mode=mode)
        return {"query": q, "results": results}

    @app.get("/api/documents", tags=["api"], summary="De indexerade rapporterna")
    def api_documents() -> dict[str, Any]:
        return {"documents": data.documents()}

    @app.get("/api/documents/{doc_id}", tags=["api"],
             summary="En rapport: metadata, avsnitt och temaandelar (passages=true ger textavsnitten)")
    def api_document(doc_id: str, passages: bool = False, offset: int = Query(0, ge=0),
                     limit: int = Query(100, ge=1, le=services.MAX_PASSAGES_PAGE)) -> dict[str, Any]:
        record = data.document(doc_id)
        if passages:
            rows = data.passages_of(doc_id)
            record["passage_list"] = [{"id": p.id, "page": p.page, "section": p.section, "text": p.text,
                                       "kind": p.kind, "themes": p.themes, "programs": p.programs}
                                      for p in rows[offset: offset + limit]]
            record["offset"], record["limit"] = offset, limit
        return record

    @app.get("/api/themes/trends", tags=["api"], summary="Temaandelar per stadsdel och år")
    def api_trends() -> dict[str, Any]:
        return {"themes": [{"id": t.id, "label": t.label} for t in data.themes], "rows": data.trends(),
                "measure": "andel av orden i textavsnitt som bär temat"}

    @app.get("/api/programs", tags=["api"], summary="Programregistret och var programmen förekommer")
    def api_programs() -> dict[str, Any]:
        return data.program_list()

    @app.get("/api/goals", tags=["api"],
             summary="Mål med bedömning och indikatorer (filter: stadsdel, år, slag, bedömning)")
    def api_goals(district: str = Query("", max_length=100), year: str = Query("", max_length=10),
                  kind: str = Query("", max_length=40), assessment: str = Query("", max_length=20)) -> dict[str, Any]:
        goals = data.goals(district=district or None, year=_int(year, "year", 1900, 2100), kind=kind or None,
                           assessment=assessment or None)
        return {"goals": goals, "count": len(goals), "shares": data.goal_shares(goals)}

    @app.get("/api/reuse", tags=["api"], summary="Återanvänd text i en rapport från tidigare rapporter")
    def api_reuse(doc: str = Query(..., max_length=200)) -> dict[str, Any]:
        return data.reuse_record(doc)

    # -- pages ---------------------------------------------------------------------
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def search_page(q: str = "", district: str = "", year: str = "", theme: str = "", top_k: str = "") -> HTMLResponse:
        context: dict[str, Any] = {"q": q[:MAX_QUERY_CHARS * 2], "district": district, "year": year, "theme": theme,
                                   "top_k": 10, "results": [], "error": None, "districts": data.districts(),
                                   "years": data.years(), "themes": data.themes, "max_chars": MAX_QUERY_CHARS,
                                   "n_passages": len(data.index.passages), "n_docs": len(data.index.manifest["documents"]),
                                   "theme_label": data.theme_labels.get(theme, theme)}
        status = 200
        if q.strip():
            try:
                context["top_k"] = _int(top_k, "Antal träffar", 1, MAX_TOP_K) or 10
                results = data.search(q, top_k=context["top_k"], district=district or None,
                                      year=_int(year, "År", 1900, 2100), theme=theme or None)
                for r in results:
                    r["url"] = passage_url(r["id"])
                    r["snippet_html"] = highlight(r["snippet"], r["matched"])
                    r["theme_labels"] = [data.theme_labels.get(t, t) for t in r["themes"]]
                context["results"] = results
            except RapportError as exc:
                context["error"], status = str(exc), 400
        return page("search.html", "search", status=status, title="Sök", **context)

    @app.get("/dokument", response_class=HTMLResponse, include_in_schema=False)
    def documents_page() -> HTMLResponse:
        return page("documents.html", "documents", title="Rapporter", documents=data.documents())

    @app.get("/dokument/{doc_id}", response_class=HTMLResponse, include_in_schema=False)
    def document_page(doc_id: str) -> HTMLResponse:
        doc = data.document(doc_id)
        reuse = data.reuse_record(doc_id, limit=10_000)
        by_block = {m["id"]: m for m in reuse["matches"]}
        items, last = [], None
        for p in data.passages_of(doc_id):
            path = list(p.section)
            heading = None
            if path != last:
                heading, last = (path[-1] if path else "(utan rubrik)"), path
            match = by_block.get(p.id)
            items.append({"n": passage_number(p.id), "text": p.text, "page": p.page, "path": path[:-1],
                          "heading": heading, "kind": match["kind"] if match else "", "match": match,
                          "themes": [data.theme_labels.get(t, t) for t in p.themes]})
        max_share = max([t["share"] for t in doc["themes"]] + [1e-9])
        title = f"{doc['district'] or doc_id} {doc['year'] or ''}"
        return page("document.html", "documents", title=title, doc=doc, items=items, reuse=reuse,
                    max_share=max_share, kind_labels=KIND_LABELS)

    @app.get("/teman", response_class=HTMLResponse, include_in_schema=False)
    def trends_page() -> HTMLResponse:
        from ..trends import TrendRow, chart_svg

        rows = data.trends()
        chart = chart_svg([TrendRow(r["district"], r["year"], r["documents"], r["passages"], r["words"], r["shares"])
                           for r in rows], data.theme_ids, data.theme_labels,
                          width=min(1060, 260 + 160 * max(1, len(rows))))
        return page("trends.html", "trends", title="Teman", rows=rows, themes=data.themes, chart=chart)

    @app.get("/program", response_class=HTMLResponse, include_in_schema=False)
    def programs_page() -> HTMLResponse:
        listing = data.program_list()
        return page("programs.html", "programs", title="Program", programs=listing["programs"],
                    message=listing["message"], program_kinds=PROGRAM_KINDS)

    @app.get("/mal", response_class=HTMLResponse, include_in_schema=False)
    def goals_page(district: str = "", year: str = "", kind: str = "", assessment: str = "") -> HTMLResponse:
        from ..charts import grouped_bar_svg

        context: dict[str, Any] = {"district": district[:100], "year": year[:10], "kind": kind[:40],
                                   "assessment": assessment[:20], "error": None, "goals": [], "shares": [],
                                   "chart": "", "districts": data.districts(), "years": data.years(),
                                   "kinds": GOAL_KINDS, "labels": ASSESSMENT_LABELS}
        status = 200
        try:
            goals = data.goals(district=district or None, year=_int(year, "År", 1900, 2100), kind=kind or None,
                               assessment=assessment or None)
        except RapportError as exc:
            context["error"], status = str(exc), 400
            goals = []
        for g in goals:
            g = dict(g)
            g["url"] = passage_url(g["passage_id"]) if g.get("passage_id") else None
            context["goals"].append(g)
        shares = data.goal_shares(goals)
        context["shares"] = shares
        if shares:
            groups = [f"{r['district']} {r['year'] or ''}".strip() for r in shares]
            series = {ASSESSMENT_LABELS[a]: [r["shares"][a] for r in shares] for a in ("helt", "delvis", "inte")}
            context["chart"] = grouped_bar_svg(groups, series, "Andel av de bedömda målen per bedömning, stadsdel och år",
                                               width=min(1060, 260 + 160 * max(1, len(groups))))
        return page("goals.html", "goals", status=status, title="Mål", **context)

    @app.get("/ateranvandning", response_class=HTMLResponse, include_in_schema=False)
    def reuse_page(doc: str = "") -> HTMLResponse:
        from ..reuse import side_by_side

        documents = data.documents()
        if not doc and documents:  # the latest report by default: the one with sources
            doc = max(documents, key=lambda d: (d["year"] or 0, d["id"]))["id"]
        reuse, rows = None, []
        if doc:
            reuse = data.reuse_record(doc)
            for m in reuse["matches"]:
                left, right = side_by_side(m["text"], m["source_text"], m["kind"])
                rows.append({**m, "left": left, "right": right, "n": passage_number(m["id"]),
                             "source_n": passage_number(m["source_id"])})
        return page("reuse.html", "reuse", title="Återanvändning", documents=documents, doc=doc, reuse=reuse,
                    rows=rows, truncated=bool(reuse and reuse["truncated"]), kind_labels=KIND_LABELS)

    return app
