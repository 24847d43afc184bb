"""End to end in headless Chromium (Debian's chromium and chromium-driver, driven by Selenium):
search, filter by district with the keyboard, open a result, land on the passage.

Also a script for the README's screenshots:

    .venv/bin/python tests/test_web_browser.py --index .rapport/index --out docs/screenshots
"""

from __future__ import annotations

import argparse
import shutil
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pytest

ROOT = Path(__file__).resolve().parents[1]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-dev-shm-usage", "--lang=sv-SE")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """The app on a free loopback port in a background thread; stopped on exit."""
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def chromium(width: int = 1280, height: int = 900) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={width},{height}")
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def _chromium_missing() -> str | None:
    if not Path(CHROMIUM).exists() or not Path(DRIVER).exists():
        return ("chromium and chromium-driver are not installed "
                "(apt-get install -y chromium chromium-driver; CI installs them)")
    return None


@pytest.fixture(scope="module")
def site(web_index: Path) -> Iterator[str]:  # noqa: F811 - the fixture imported below
    from nlp.web import create_app

    with serve(create_app(web_index, encoder=None)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    reason = _chromium_missing()
    if reason:
        pytest.skip(reason)
    pytest.importorskip("selenium")
    with chromium() as driver:
        yield driver


# the session fixtures of tests/test_web_api.py (index of the real reports)
from tests.test_web_api import web_index  # noqa: E402,F401,F811


def test_search_filter_and_open_a_result(site: str, browser: Any) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select, WebDriverWait

    browser.get(site + "/")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "sv"
    assert browser.switch_to.active_element.get_attribute("id") == "q"  # the search box has the focus
    # keyboard: Tab moves from the box to the district filter; Shift+Tab goes back through the menu to the skip link
    ActionChains(browser).send_keys(Keys.TAB).perform()
    assert browser.switch_to.active_element.get_attribute("id") == "district"
    visited = []
    for _ in range(12):
        ActionChains(browser).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()
        visited.append(browser.switch_to.active_element.text)
        if browser.switch_to.active_element.get_attribute("class") == "skip":
            break
    assert browser.switch_to.active_element.get_attribute("class") == "skip", visited
    assert {"Sök", "Rapporter", "Teman", "Program", "Återanvändning"} <= set(visited)

    box = browser.find_element(By.ID, "q")
    box.clear()
    box.send_keys("trygghetsvandringar")
    Select(browser.find_element(By.ID, "district")).select_by_visible_text("Södermalm")
    box.send_keys(Keys.ENTER)
    WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#results li"))
    assert "district=S%C3%B6dermalm" in browser.current_url
    hits = browser.find_elements(By.CSS_SELECTOR, "#results a.hit")
    assert hits and all(h.text.startswith("Södermalm") for h in hits)
    assert browser.find_elements(By.CSS_SELECTOR, "#results mark")
    assert Select(browser.find_element(By.ID, "district")).first_selected_option.text == "Södermalm"

    # filter further by year (keyboard on the select), then open the first result
    year = browser.find_element(By.ID, "year")
    Select(year).select_by_visible_text("2020")
    browser.find_element(By.CSS_SELECTOR, "form.filters button").click()
    WebDriverWait(browser, 20).until(lambda d: "year=2020" in d.current_url)
    hits = browser.find_elements(By.CSS_SELECTOR, "#results a.hit")
    assert hits and all(h.text.startswith("Södermalm 2020") for h in hits)
    snippet = browser.find_element(By.CSS_SELECTOR, "#results li .snippet").text.strip("… ").split(" …")[0]
    href = hits[0].get_attribute("href")
    anchor = href.rsplit("#", 1)[1]
    hits[0].send_keys(Keys.ENTER)  # opened with the keyboard
    WebDriverWait(browser, 20).until(lambda d: "/dokument/" in d.current_url)
    target = browser.find_element(By.ID, anchor)
    assert snippet[:60] in target.text  # the passage the result showed
    assert browser.execute_script("return document.querySelector(':target') && document.querySelector(':target').id") == anchor
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Södermalm 2020")


def test_every_page_opens_in_the_browser(site: str, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    for path, heading in (("/teman", "Teman per stadsdel och år"), ("/program", "Programregistret"),
                          ("/ateranvandning?doc=sodermalm_2021_tertialrapport-1", "Återanvänd text sida vid sida"),
                          ("/dokument", "Rapporter")):
        browser.get(site + path)
        assert browser.find_element(By.TAG_NAME, "h1").text == heading
    browser.get(site + "/ateranvandning?doc=sodermalm_2021_tertialrapport-1")
    assert browser.find_elements(By.CSS_SELECTOR, "table.sidebyside tr.exact")


# -- screenshots for the README ---------------------------------------------------------
def screenshots(index: Path, out: Path, store: Path | None = None) -> list[Path]:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from nlp.web import create_app

    out.mkdir(parents=True, exist_ok=True)
    app = create_app(index, store_dir=store)
    app.state.data.warm()
    documents = app.state.data.documents()
    latest = max(documents, key=lambda d: (d["year"] or 0, d["id"]))["id"]
    written = []
    with serve(app) as site, chromium(1280, 1000) as driver:
        driver.get(site + "/")
        driver.find_element(By.ID, "q").send_keys("trygghetsvandringar i parker")
        Select(driver.find_element(By.ID, "district")).select_by_visible_text("Södermalm")
        driver.find_element(By.CSS_SELECTOR, "form.filters button").click()
        pages = [("search", None), ("document", f"/dokument/{latest}"), ("trends", "/teman"),
                 ("programs", "/program"), ("reuse", f"/ateranvandning?doc={latest}")]
        for name, path in pages:
            if path:
                driver.get(site + path)
            target = out / f"{name}.png"
            driver.save_screenshot(str(target))
            written.append(target)
    return written


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Screenshots of every page for the README.")
    parser.add_argument("--index", default=".rapport/index")
    parser.add_argument("--store")
    parser.add_argument("--out", default="docs/screenshots")
    args = parser.parse_args()
    for path in screenshots(Path(args.index), Path(args.out), Path(args.store) if args.store else None):
        print(path)
