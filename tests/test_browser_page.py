"""End to end in a real headless Chromium (Debian's /usr/bin/chromium driven by playwright-python).

The page is served by uvicorn on 127.0.0.1 (a free port) with the hashing embedder and a small
in-memory corpus; screenshots go to ``artifacts/`` (CI keeps them as test artefacts).
Skips, saying why, only when Chromium or playwright is missing (``make test`` installs Chromium).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from retold.config import Settings
from retold.ingest import parse_text
from retold.pipeline import Detector
from retold.web.app import create_app
from retold.web.corpus import MemoryCorpus
from retold.web.options import ServiceOptions
from retold.web.server import serve_in_thread

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
SEED_A = (ROOT / "examples" / "000_f1f864ec94766fbf.txt").read_text(encoding="utf-8")
SEED_B = (ROOT / "examples" / "001_fa24727afca519d2.txt").read_text(encoding="utf-8")
ARTIFACTS = ROOT / "artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium_path() -> str | None:
    for candidate in (os.environ.get("RETOLD_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    path = _chromium_path()
    if path is None:
        pytest.skip("Chromium not found at /usr/bin/chromium: install it with `apt-get install chromium` "
                    "(`make test` does) or set RETOLD_CHROMIUM=/path/to/chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright-python is not installed: `pip install playwright` (the dev extra has it)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    settings = Settings().replace(embed={"backend": "hash"})
    detector = Detector(settings)
    corpus = MemoryCorpus(detector)
    corpus.add_documents([
        parse_text(SEED_A, id="washington-post-2021-10-31"),
        parse_text(" date 2021-11-01 " + SEED_B, id="reprint-2021-11-01"),
        parse_text(" date 2021-11-02 " + SEED_B.replace("Kofman", "Mr Kofman"), id="second-reprint"),
        parse_text(" date 2021-09-01 The council met on Tuesday to discuss the new bus timetable for the "
                   "northern suburbs. Residents asked for later evening services.", id="unrelated"),
    ])
    app = create_app(settings=settings, options=ServiceOptions(workers=2), corpus=corpus)
    with serve_in_thread(app) as url:
        yield url


@pytest.fixture()
def page(browser: Any, base_url: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, base_url=base_url)
    pg = context.new_page()
    pg.dialogs = []  # every alert/confirm/prompt is recorded (and dismissed): the XSS test wants none
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.errors = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    yield pg
    context.close()


def _compare(page: Any, a: str, b: str) -> None:
    page.goto("/")
    page.fill("#text-a", a)
    page.fill("#text-b", b)
    page.click("#compare-btn")
    page.wait_for_selector("#compare-result .verdict", timeout=20_000)


def test_seed_pair_is_highlighted_side_by_side(page: Any) -> None:
    _compare(page, SEED_A, SEED_B)
    assert page.text_content("#compare-result .verdict") == "copy"
    marks_a = page.locator('.doc[data-side="a"] mark.passage')
    marks_b = page.locator('.doc[data-side="b"] mark.passage')
    assert marks_a.count() >= 1 and marks_a.count() == marks_b.count()
    # The highlighted text is the article's own text (the date marker is metadata, not text).
    first_a = marks_a.first.text_content()
    assert len(first_a) > 100
    assert "Russian" in first_a
    # Substitutions are shown inline: the old wording struck out, then the new one.
    assert page.locator('.doc[data-side="b"] del.ghost').count() >= 1
    assert page.locator('.doc[data-side="b"] ins.ed-ins').count() >= 1
    # Shares, source and reason are on the page.
    assert "A is the source" in page.text_content(".source")
    assert page.locator(".share").count() == 2
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#compare-result").screenshot(path=str(ARTIFACTS / "screenshot-compare.png"))
    page.screenshot(path=str(ARTIFACTS / "screenshot-compare-page.png"), full_page=True)
    # Clicking a passage highlights its partner on the other side.
    marks_a.first.click()
    assert "active" in (marks_b.first.get_attribute("class") or "")
    assert page.errors == []


def test_uploaded_files_and_edit_toggle(page: Any) -> None:
    page.goto("/")
    page.set_input_files("#file-a", str(ROOT / "examples" / "000_f1f864ec94766fbf.txt"))
    page.set_input_files("#file-b", str(ROOT / "examples" / "001_fa24727afca519d2.txt"))
    page.wait_for_function("['text-a', 'text-b'].every((i) => document.getElementById(i).value.length > 0)")
    assert page.input_value("#text-a") == SEED_A
    page.click("#compare-btn")
    page.wait_for_selector('.doc[data-side="b"] mark.passage', timeout=20_000)
    pane_b = page.locator('.doc[data-side="b"]')
    page.uncheck("#compare-result input[type=checkbox]")
    # Without the inline edits the pane holds exactly article B's text.
    assert pane_b.text_content() == SEED_B
    assert page.locator(".doc del.ghost").count() == 0


XSS_A = (
    "Officials said on Monday that <script>window.__xss = 1; alert('script')</script> the plan would cost "
    "five billion pounds over ten years <img src=x onerror=\"window.__xss = 2; alert('img')\">, and the "
    "minister told reporters that construction would begin in the spring. <svg onload=\"window.__xss = 3\">"
    "</svg> Critics said the budget was far too small for a project of that size and ambition."
)
XSS_B = XSS_A.replace("Officials said", "Government officials announced").replace("far too small", "too small")


def test_script_and_img_payloads_do_not_execute(page: Any) -> None:
    page.goto("/")
    page.fill("#title-a", "<img src=x onerror=\"window.__xss = 4\">")
    page.fill("#text-a", XSS_A)
    page.fill("#text-b", XSS_B)
    page.click("#compare-btn")
    page.wait_for_selector('.doc[data-side="b"] mark.passage', timeout=20_000)
    page.wait_for_timeout(300)  # give any injected handler time to fire
    assert page.evaluate("window.__xss") is None
    assert page.dialogs == []
    # Nothing from the text became an element, inside or outside the panes…
    assert page.locator("#compare-result img, #compare-result script, #compare-result svg").count() == 0
    # …and the payloads are visible, as text.
    pane_a = page.text_content('.doc[data-side="a"]')
    assert "<script>window.__xss = 1; alert('script')</script>" in pane_a
    assert "<img src=x onerror=" in page.text_content('.doc[data-side="b"]')
    assert "<img src=x" in page.text_content(".pane-title")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "screenshot-xss.png"))


def test_error_detail_is_shown_as_text(page: Any) -> None:
    page.goto("/")
    page.fill("#text-a", "A short text.")
    page.fill("#text-b", "Another short text.")
    page.evaluate("document.getElementById('date-a').type = 'text'")
    page.fill("#date-a", "<img src=x onerror=\"window.__xss = 5\">")
    page.click("#compare-btn")
    page.wait_for_selector("#compare-status.error")
    assert "not ISO 8601" in page.text_content("#compare-status")
    assert page.locator("#compare-status img").count() == 0
    assert page.evaluate("window.__xss") is None


def test_query_against_store_and_view_side_by_side(page: Any) -> None:
    page.goto("/")
    page.click("#tabbtn-query")
    page.fill("#text-q", SEED_B)
    page.click("#query-btn")
    page.wait_for_selector("table.matches tbody tr", timeout=20_000)
    rows = page.locator("table.matches tbody tr")
    assert rows.count() >= 2
    assert "washington-post-2021-10-31" in page.text_content("table.matches")
    assert "unrelated" not in page.text_content("table.matches tbody")
    rows.first.locator("button").click()
    page.wait_for_selector('#query-result .doc[data-side="b"] mark.passage', timeout=20_000)
    assert page.locator('#query-result .doc[data-side="a"] mark.passage').count() >= 1


def test_cluster_browser_shows_a_timeline(page: Any) -> None:
    page.goto("/")
    page.click("#tabbtn-clusters")
    page.wait_for_selector(".tl-row[data-c]", timeout=20_000)
    row = page.locator(".tl-row[data-c]").first
    assert row.locator(".dot").count() == 3  # the original and its two reprints, by date
    assert row.locator(".dot.first").count() == 1
    row.click()
    page.wait_for_selector(".cluster table.members")
    first_member = page.locator(".cluster table.members tbody tr").first.text_content()
    assert "washington-post-2021-10-31" in first_member  # earliest first
    page.locator(".edges button").first.click()
    page.wait_for_selector('#cluster-result .doc[data-side="b"] mark.passage', timeout=20_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "screenshot-clusters.png"), full_page=True)
