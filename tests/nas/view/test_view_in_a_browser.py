"""The view in a real headless Chromium (Debian's package, driven by Playwright): it shows the campaign and follows it.

Skips where Playwright or Chromium is missing; ``.ci/run`` installs both, so CI runs it.
"""

import shutil
import threading

import pytest

from nas.campaign.directory import CampaignDir
from nas.view.server import ViewServer
from tests.nas.view.view_helpers import fake_driver, make_campaign, train_event, write_progress

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install playwright)")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)
# Headless, and quiet on a closed network: no sandbox (CI runs as root), no calls home.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@pytest.fixture
def view(tmp_path):
    root = make_campaign(tmp_path / "c")
    driver = fake_driver(root)
    server = ViewServer(CampaignDir(root), port=0, refresh_s=0.3)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server, driver
    server.shutdown()
    server.server_close()
    driver.kill()
    driver.wait()


@pytest.fixture
def page():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser.new_page(viewport={"width": 1200, "height": 900})
        browser.close()


def _loaded(page, image_id):
    return page.evaluate(f"document.getElementById('{image_id}').naturalWidth") > 0


def test_the_page_shows_the_campaign_and_follows_it_live(view, page, tmp_path):
    server, driver = view
    page.goto(server.url)
    page.wait_for_selector('tr[data-trial="3"][data-state="running"]', timeout=30_000)
    summary = page.text_content("#summary")
    assert "driver running · 3 of 6 trials finished (3 finished, 1 running, 1 starting)" in summary
    assert "ETA 11m" in summary  # as test_view_state: 704 s less a few
    assert page.text_content('tr[data-trial="3"]').count("40/744") == 1
    assert page.get_attribute('tr[data-trial="4"]', "data-state") == "starting"
    page.wait_for_function("['rewards', 'architectures', 'pareto'].every("
                           "id => document.getElementById(id).naturalWidth > 0)", timeout=60_000)
    assert page.is_visible("#pareto") and page.text_content("#error") == ""
    # The trial logs more steps: the page shows them without a reload.
    write_progress(server.directory.root / "trials" / "00003", [train_event(20, 30), train_event(40, 40),
                                                                 train_event(80, 60)])
    page.wait_for_function("document.querySelector('tr[data-trial=\"3\"]').textContent.includes('80/744')",
                           timeout=10_000)
    page.screenshot(path=str(tmp_path / "view.png"), full_page=True)
    # The driver ends: what was under way is stopped, and the page says the driver is not running.
    driver.kill()
    driver.wait()
    page.wait_for_selector('tr[data-trial="3"][data-state="stopped"]', timeout=10_000)
    assert "driver not running" in page.text_content("#summary")
