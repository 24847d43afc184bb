"""The web app and REST API (``rapport serve``) through FastAPI's test client.

Most tests use a lexical-only index (``encoder=None``) of the two real corpus reports plus
a "2021" Södermalm report made of copied and edited real passages, so that reuse has
something to find; one test builds a small dense index with the local E5 encoder.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402

from nlp.model import BlockAnalysis, BlockType, Document, ProgramSpan  # noqa: E402
from nlp.search import Index  # noqa: E402
from nlp.web import create_app  # noqa: E402
from nlp.web import services  # noqa: E402

SODERMALM_ID = "sodermalm_2020_tertialrapport-1"
NORRA_ID = "norra-innerstaden_2025_tertialrapport-1"
NEXT_ID = "sodermalm_2021_tertialrapport-1"


def next_year(old: Document) -> Document:
    """Södermalm 2021: the first 120 blocks of the 2020 report, every third paragraph with
    its years moved on and a sentence added (near copies), the rest verbatim."""
    doc = copy.deepcopy(old)
    doc.id, doc.year, doc.content_hash = NEXT_ID, 2021, "web-test-" + old.content_hash[:20]
    doc.source_path = str(Path(old.source_path).with_name(NEXT_ID + ".txt"))  # another file, not a new version
    doc.blocks = doc.blocks[:120]
    n = 0
    for block in doc.blocks:
        if block.type is BlockType.PARAGRAPH and len(block.text.split()) > 20:
            n += 1
            if n % 3 == 0:
                block.text = re.sub(r"\b2020\b", "2021", block.text) + " Arbetet följs upp löpande under året."
                block.sentences = []
    return doc


def build_index(root: Path, documents: list[Document], encoder: str | None) -> Index:
    from nlp.analysis import Analyzer

    index = Index.open(root, create=True, encoder=encoder)
    analyzer = Analyzer.from_config(disable=["programs", "goals"])
    for document in analyzer.pipe(copy.deepcopy(d) for d in documents):  # the fixtures stay unanalysed
        index.add_document(document)
    return index


_BUILT: dict[str, Path] = {}


@pytest.fixture(scope="session")
def web_index(tmp_path_factory: pytest.TempPathFactory, sodermalm: Document, norra: Document) -> Path:
    """Lexical-only index of Södermalm 2020, Norra innerstaden 2025 and Södermalm "2021";
    built once per session (the browser tests import this fixture too)."""
    if "lexical" not in _BUILT:
        root = tmp_path_factory.mktemp("webidx")
        build_index(root, [sodermalm, norra, next_year(sodermalm)], encoder=None)
        _BUILT["lexical"] = root
    return _BUILT["lexical"]


@pytest.fixture(scope="session")
def client(web_index: Path) -> TestClient:
    return TestClient(create_app(web_index, encoder=None), raise_server_exceptions=False)


# -- search ----------------------------------------------------------------------------
def test_search_returns_the_documented_fields(client: TestClient) -> None:
    response = client.get("/api/search", params={"q": "trygghetsvandringar", "top_k": 5})
    assert response.status_code == 200
    results = response.json()["results"]
    assert 1 <= len(results) <= 5
    for record in results:
        assert {"text", "snippet", "doc", "district", "year", "page", "section", "score"} <= record.keys()
    assert any("trygghetsvandring" in r["text"].casefold() for r in results)
    assert response.headers["content-type"].startswith("application/json")


def test_search_filters_by_district_year_and_theme(client: TestClient) -> None:
    results = client.get("/api/search", params={"q": "trygghet", "district": "Södermalm", "year": 2020,
                                                "top_k": 20}).json()["results"]
    assert results and all(r["district"] == "Södermalm" and r["year"] == 2020 for r in results)
    results = client.get("/api/search", params={"q": "förskola", "theme": "klimat", "top_k": 20}).json()["results"]
    assert results and all("klimat" in r["themes"] for r in results)
    other = client.get("/api/search", params={"q": "trygghet", "district": "Norra innerstaden"}).json()["results"]
    assert other and {r["district"] for r in other} == {"Norra innerstaden"}


@pytest.mark.parametrize("params, status, words", [
    ({"q": ""}, 400, "söka"),
    ({"q": "   "}, 400, "söka"),
    ({"q": "x" * 301}, 422, "q"),
    ({"q": "trygghet", "top_k": 51}, 400, "top_k"),
    ({"q": "trygghet", "top_k": 0}, 400, "top_k"),
    ({"q": "trygghet", "top_k": "många"}, 400, "heltal"),
    ({"q": "trygghet", "year": "tjugo"}, 400, "heltal"),
    ({"q": "trygghet", "year": 1999}, 400, "år"),
    ({"q": "trygghet", "district": "Atlantis"}, 400, "Atlantis"),
    ({"q": "trygghet", "theme": "rymdfart"}, 400, "rymdfart"),
    ({"q": "trygghet", "mode": "magic"}, 422, "mode"),
    ({}, 422, "q"),
])
def test_bad_search_requests_are_4xx_json_without_a_trace(client: TestClient, params: dict, status: int,
                                                          words: str) -> None:
    response = client.get("/api/search", params=params)
    assert response.status_code == status
    body = response.json()
    assert body["status"] == status and words.casefold() in body["error"].casefold()
    assert "Traceback" not in response.text and "File \"" not in response.text


# -- documents -------------------------------------------------------------------------
def test_documents_list_and_one_document(client: TestClient) -> None:
    documents = client.get("/api/documents").json()["documents"]
    assert {d["id"] for d in documents} == {SODERMALM_ID, NORRA_ID, NEXT_ID}
    doc = client.get(f"/api/documents/{SODERMALM_ID}").json()
    assert doc["district"] == "Södermalm" and doc["year"] == 2020 and doc["passages"] > 300
    assert doc["sections"] and all({"path", "title", "page", "first_passage", "passages"} <= s.keys() for s in doc["sections"])
    assert sum(s["passages"] for s in doc["sections"]) == doc["passages"]
    shares = {t["id"]: t["share"] for t in doc["themes"]}
    assert set(shares) >= {"trygghet", "klimat", "aldreomsorg", "covid19"}
    assert all(0 <= v <= 1 for v in shares.values()) and shares["covid19"] > 0  # a spring 2020 report
    page = client.get(f"/api/documents/{SODERMALM_ID}", params={"passages": "true", "limit": 5, "offset": 10}).json()
    assert len(page["passage_list"]) == 5 and page["passage_list"][0]["id"].startswith(SODERMALM_ID + "#")
    assert client.get(f"/api/documents/{SODERMALM_ID}", params={"limit": 100000}).status_code == 422


@pytest.mark.parametrize("doc_id", ["nope", "..", "...", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "..%2F..%2Fetc%2Fpasswd",
                                    "index.json", "docs%2Fsodermalm_2020_tertialrapport-1.jsonl",
                                    SODERMALM_ID + "%00", "a" * 300])
def test_no_path_traversal_through_document_ids(client: TestClient, doc_id: str) -> None:
    for url in (f"/api/documents/{doc_id}", f"/api/reuse?doc={doc_id}", f"/dokument/{doc_id}"):
        response = client.get(url)
        if response.request.url.path in ("/", "/dokument", "/api"):  # the client itself resolved "/dokument/.."
            continue
        assert response.status_code in (404, 422), url
        assert "root:" not in response.text and "content_hash" not in response.text


# -- themes, programs, reuse -----------------------------------------------------------
def test_theme_trends_per_district_and_year(client: TestClient) -> None:
    body = client.get("/api/themes/trends").json()
    assert [t["id"] for t in body["themes"]][:4] == ["trygghet", "klimat", "aldreomsorg", "covid19"]
    keys = {(r["district"], r["year"]) for r in body["rows"]}
    assert keys == {("Södermalm", 2020), ("Södermalm", 2021), ("Norra innerstaden", 2025)}
    for row in body["rows"]:
        assert row["words"] > 0 and all(0 <= v <= 1 for v in row["shares"].values())


def test_theme_trend_is_the_share_of_words() -> None:
    from nlp.model import Block, PassageView, ThemeAnnotation

    def passage(n: int, text: str, themes: list[str], year: int = 2020) -> PassageView:
        block = Block(BlockType.PARAGRAPH, text, page=1, id=n,
                      analysis=BlockAnalysis(themes=ThemeAnnotation({t: 1.0 for t in themes}, themes, "test")))
        return PassageView(Document(id="d", source_path="d.txt", content_hash="d", district="X", year=year), block)

    rows = services.theme_trends([passage(1, "a b c", ["klimat"]), passage(2, "d", []),
                                  passage(3, "e f", ["klimat", "trygghet"], 2021)], ["klimat", "trygghet"])
    assert rows[0]["shares"] == {"klimat": 0.75, "trygghet": 0.0} and rows[0]["words"] == 4
    assert rows[1]["shares"] == {"klimat": 1.0, "trygghet": 1.0}


def test_programs_degrade_gracefully_without_a_registry(client: TestClient) -> None:
    response = client.get("/api/programs")
    assert response.status_code == 200
    body = response.json()
    assert isinstance(body["programs"], list)
    if not body["available"]:
        assert body["message"]
    page = client.get("/program")
    assert page.status_code == 200 and "Programregistret" in page.text


def test_programs_with_a_registry(client: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A registry file in the format of nlp.programs (Registry.save), read through Registry.load."""
    programs = pytest.importorskip("nlp.programs")
    if not hasattr(programs, "Registry"):
        pytest.skip("nlp.programs has no Registry yet")
    data: services.WebData = client.app.state.data
    passage = next(p for p in data.index.passages if "trygghetsvandring" in p.text.casefold())
    mention = {"name": "Trygghetsvandring", "text": "trygghetsvandringar", "kind": "metod", "doc": passage.doc,
               "district": passage.district, "year": passage.year, "page": 7, "sentence": passage.text,
               "block": int(passage.id.rsplit("#", 1)[1]), "start": 0, "end": 5}
    registry = programs.Registry([programs.Program("Trygghetsvandring", "metod", ["trygghetsvandringar"],
                                                   [programs.Mention(**mention)]),
                                  programs.Program("Skolfam", "program", [], [])])
    registry.save(tmp_path / "programs.json")
    monkeypatch.setattr(data, "programs", services.Programs(None, store_dir=tmp_path))  # <store>/programs.json
    monkeypatch.setattr(passage.block.analysis, "programs", [ProgramSpan(0, 5, passage.text[:5], "Trygghetsvandring")])
    body = client.get("/api/programs").json()
    assert body["available"] and [p["name"] for p in body["programs"]] == ["Trygghetsvandring", "Skolfam"]
    first = body["programs"][0]
    assert first["kind"] == "metod" and first["aliases"] == ["trygghetsvandringar"] and first["mentions"] == 1
    where = first["appears"][0]
    assert where["doc"] == passage.doc and where["passages"][0]["id"] == passage.id and 7 in where["pages"]
    assert body["programs"][1]["appears"] == []
    html = client.get("/program").text
    assert "Skolfam" in html and f"#p-{passage.id.rsplit('#', 1)[1]}" in html


def test_programs_without_a_registry_fall_back_to_index_names(client: TestClient,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    data: services.WebData = client.app.state.data
    monkeypatch.setattr(data, "programs", services.Programs(None))
    passage = data.index.passages[5]
    monkeypatch.setattr(passage.block.analysis, "programs", [ProgramSpan(0, 5, passage.text[:5], "Bryt upp")])
    body = client.get("/api/programs").json()
    assert not body["available"] and body["message"]
    assert [p["name"] for p in body["programs"]] == ["Bryt upp"]
    assert body["programs"][0]["appears"][0]["passages"][0]["id"] == passage.id


def test_reuse_against_earlier_reports(client: TestClient) -> None:
    body = client.get("/api/reuse", params={"doc": NEXT_ID}).json()
    assert SODERMALM_ID in body["sources_considered"] and NORRA_ID not in body["sources_considered"]
    assert body["reused_share"] > 0.8
    kinds = {m["kind"] for m in body["matches"]}
    assert {"exact", "near"} <= kinds
    assert all(m["source_doc"] == SODERMALM_ID and m["id"].startswith(NEXT_ID + "#") for m in body["matches"])
    oldest = client.get("/api/reuse", params={"doc": SODERMALM_ID}).json()
    assert oldest["sources_considered"] == [] and oldest["matches"] == [] and oldest["reused_share"] == 0
    assert client.get("/api/reuse").status_code == 422


# -- safety ----------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_read_only(client: TestClient, method: str) -> None:
    for url in ("/api/search", "/api/documents", f"/api/documents/{SODERMALM_ID}", "/"):
        response = getattr(client, method)(url)
        assert response.status_code == 405
    assert client.post("/api/search", content=b"x" * 1000, headers={"content-type": "application/pdf"}).status_code == 405


def test_unknown_routes_and_internal_errors_answer_json(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    response = client.get("/api/nothing")
    assert response.status_code == 404 and response.json()["error"]
    data = client.app.state.data

    def boom() -> None:
        raise RuntimeError("secret detail /etc/passwd")

    monkeypatch.setattr(data, "documents", boom)
    response = client.get("/api/documents")
    assert response.status_code == 500 and "secret" not in response.text and response.json()["error"]


def test_openapi_and_security_headers(client: TestClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/search", "/api/documents", "/api/documents/{doc_id}", "/api/themes/trends", "/api/programs",
            "/api/reuse"} <= set(paths)
    assert "/" not in paths  # pages are not part of the API
    headers = client.get("/").headers
    assert headers["x-content-type-options"] == "nosniff" and "default-src 'none'" in headers["content-security-policy"]


# -- pages -----------------------------------------------------------------------------
def test_search_page_highlights_and_links_to_the_passage(client: TestClient) -> None:
    response = client.get("/", params={"q": "trygghetsvandringar", "district": "Södermalm"})
    assert response.status_code == 200 and '<html lang="sv">' in response.text
    assert "<mark>" in response.text
    link = re.search(r'class="hit" href="(/dokument/[^"#]+)#p-(\d+)"', response.text)
    assert link
    document = client.get(link.group(1))
    assert document.status_code == 200 and f'id="p-{link.group(2)}"' in document.text
    for label in ('for="q"', 'for="district"', 'for="year"', 'for="theme"', 'class="skip"'):
        assert label in response.text


def test_search_page_escapes_input_and_reports_errors(client: TestClient) -> None:
    response = client.get("/", params={"q": "<script>alert(1)</script>"})
    assert response.status_code == 200 and "<script>alert" not in response.text
    response = client.get("/", params={"q": "trygghet", "year": "abc"})
    assert response.status_code == 400 and 'role="alert"' in response.text


def test_pages_render(client: TestClient) -> None:
    doc = client.get(f"/dokument/{NEXT_ID}")
    assert doc.status_code == 200
    assert 'class="passage exact"' in doc.text and 'class="passage near"' in doc.text  # reused passages marked
    assert "Trygghet" in doc.text and 'class="bar"' in doc.text
    trends = client.get("/teman")
    assert trends.status_code == 200 and "<svg" in trends.text and "Södermalm 2021" in trends.text
    reuse = client.get("/ateranvandning", params={"doc": NEXT_ID})
    assert reuse.status_code == 200 and "<ins>" in reuse.text and 'class="sidebyside"' in reuse.text
    assert client.get("/dokument").status_code == 200
    missing = client.get("/dokument/finns-inte")
    assert missing.status_code == 404 and "Hittades inte" in missing.text


def test_reuse_from_a_document_store(tmp_path: Path, sodermalm: Document, web_index: Path) -> None:
    from nlp.store import DocumentStore

    store = DocumentStore(tmp_path / "store")
    store.add(sodermalm)
    store.add(next_year(sodermalm))
    client = TestClient(create_app(web_index, store_dir=store.root, encoder=None))
    body = client.get("/api/reuse", params={"doc": NEXT_ID}).json()
    assert body["reused_share"] > 0.8 and {"exact", "near"} <= {m["kind"] for m in body["matches"]}


# -- dense -----------------------------------------------------------------------------
def test_hybrid_search_on_a_small_dense_index(tmp_path: Path, sodermalm: Document, norra: Document) -> None:
    from nlp.encoders import encoder_available

    if not encoder_available():
        pytest.skip("the local E5 encoder is not built (make setup builds it)")
    small = []
    for document in (sodermalm, norra):  # 12 real passages of each report
        part = copy.deepcopy(document)
        part.blocks = [b for b in part.blocks if b.is_passage][:12]
        small.append(part)
    build_index(tmp_path / "dense", small, encoder="default")
    client = TestClient(create_app(tmp_path / "dense"))
    body = client.get("/api/search", params={"q": "hur går det för de äldre i hemtjänsten", "top_k": 3}).json()
    assert len(body["results"]) == 3
    assert client.get("/api/search", params={"q": "äldreomsorg", "mode": "dense", "top_k": 2,
                                             "district": "Norra innerstaden"}).json()["results"][0]["district"] == "Norra innerstaden"


# -- goals -----------------------------------------------------------------------------
def test_goals_api_lists_goals_with_assessments_and_filters(client: TestClient) -> None:
    body = client.get("/api/goals").json()
    goals = body["goals"]
    assert body["count"] == len(goals) > 60
    assert {"goal", "kind", "parent", "assessment", "page", "doc", "district", "year", "indicators"} <= goals[0].keys()
    sod = client.get("/api/goals", params={"district": "Södermalm", "year": 2020, "kind": "nämndmål"}).json()["goals"]
    assert sod and all(g["district"] == "Södermalm" and g["year"] == 2020 and g["kind"] == "nämndmål" for g in sod)
    parks = [g for g in sod if g["goal"].startswith("Södermalms parker vårdas")]
    assert parks and parks[0]["assessment"] == "delvis" and parks[0]["number"] == "1.2.2"
    partly = client.get("/api/goals", params={"assessment": "delvis"}).json()["goals"]
    assert partly and all(g["assessment"] == "delvis" for g in partly)
    shares = client.get("/api/goals", params={"district": "Södermalm", "year": 2020}).json()["shares"]
    assert len(shares) == 1 and abs(sum(shares[0]["shares"].values()) - 1) < 1e-9


@pytest.mark.parametrize("params, words", [({"kind": "delmål"}, "delmål"), ({"assessment": "kanske"}, "kanske"),
                                           ({"year": "tjugo"}, "heltal")])
def test_bad_goal_filters_are_400(client: TestClient, params: dict, words: str) -> None:
    response = client.get("/api/goals", params=params)
    assert response.status_code == 400 and words in response.json()["error"]


def test_goals_page_shows_chart_filters_and_links_to_passages(client: TestClient) -> None:
    page = client.get("/mal", params={"district": "Södermalm"})
    assert page.status_code == 200
    assert "<svg" in page.text and "Uppfylls delvis" in page.text
    assert "Södermalms parker vårdas, bevaras och utvecklas" in page.text
    link = re.search(r'href="(/dokument/sodermalm_2020_tertialrapport-1#p-\d+)"', page.text)
    assert link and client.get(link.group(1).split("#")[0]).status_code == 200
    assert client.get("/mal", params={"kind": "delmål"}).status_code == 400
