"""The live panel in a real headless Chromium: a new hit appears without a reload, with its source
and a working side-by-side view (driven as tests/test_browser_page.py drives the page)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest

from retold.config import Settings
from retold.store import Store
from retold.web.app import create_app
from retold.web.options import ServiceOptions
from retold.web.server import serve_in_thread
from stream_site import SEED_A, SEED_B

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
TOKEN = "live-panel-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _chromium_path() -> str | None:
    for candidate in (os.environ.get("RETOLD_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def test_live_panel_shows_a_new_hit_without_reload(tmp_path: Path) -> None:
    path = _chromium_path()
    if path is None:
        pytest.skip("Chromium not found at /usr/bin/chromium: install it with `apt-get install chromium` "
                    "(`make test` does) or set RETOLD_CHROMIUM=/path/to/chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright-python is not installed (dev extra)")
    settings = Settings().replace(embed={"backend": "hash"})
    db = tmp_path / "live.db"
    Store(db, settings=settings).close()
    app = create_app(db, settings=settings, options=ServiceOptions(workers=2, token=TOKEN))
    with serve_in_thread(app) as url, sync_api.sync_playwright() as p:
        original = {"id": "post-original", "title": "Troops mass on the border", "text": SEED_A, "date": "2021-10-31"}
        r = httpx.post(f"{url}/api/documents?check=true", json={"documents": [original]}, headers=AUTH, timeout=30)
        assert r.status_code == 201, r.text
        browser = p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(url + "/")
            page.click("#tabbtn-live")
            page.wait_for_function("document.getElementById('live-status').textContent.includes('listening')",
                                   timeout=20_000)
            assert page.locator(".live-item").count() == 0  # only what arrives from now on
            copy = {"id": "reprint", "title": "Reprint: troops on the border", "text": SEED_B, "date": "2021-11-01"}
            r = httpx.post(f"{url}/api/documents?check=true", json={"documents": [copy]}, headers=AUTH, timeout=30)
            assert r.json()["results"][0]["sources"] == ["post-original"]
            page.wait_for_selector(".live-item .live-source", timeout=20_000)
            item = page.locator(".live-item").first
            assert "Reprint: troops on the border" in item.text_content()
            assert item.locator(".live-source").text_content() == "Troops mass on the border"
            assert "reuses" in item.text_content() and item.locator(".verdict").first.text_content() == "copy"
            assert page.text_content("#live-count") == " (1)"
            item.locator(".live-compare").first.click()
            page.wait_for_selector("#live-result .verdict", timeout=20_000)
            assert page.text_content("#live-result .verdict") == "copy"
            assert page.locator('#live-result .doc[data-side="a"] mark.passage').count() >= 1
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "screenshot-live.png"), full_page=True)
            assert errors == []
        finally:
            browser.close()
