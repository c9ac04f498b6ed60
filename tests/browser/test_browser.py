"""The web app in a real browser (Playwright driving Debian's Chromium).

A clinician's path: log in, import a file with an error and read the error,
enter a visit (live validation on the way), open the mechanism profile,
switch to German, download the PDF report. Screenshots of every step are
kept in ``test-artifacts/browser/``.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

from painmech import storage
from painmech.datasets import dataset_path
from painmech.io import read_observations, read_subjects

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
PASSWORD = "browser-test-password"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    import uvicorn

    from painmech.api import create_app

    url = f"sqlite:///{tmp_path / 'browser.sqlite'}"
    subj_path, obs_path = dataset_path("example")
    subjects = read_subjects(subj_path)
    login = storage.build_demo_database(url, subjects, read_observations(obs_path,
                                                                         subjects=subjects),
                                        study="demo", password=PASSWORD)
    app = create_app(url, reference_min_n=3)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}", login
    server.should_exit = True
    thread.join(10)
    app.state.db.dispose()


@pytest.fixture
def tab():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context(accept_downloads=True, locale="en-GB")
        yield context.new_page()
        context.close()
        browser.close()


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_clinician_path(server, tab, tmp_path):
    base, login = server
    page = tab
    page.set_default_timeout(20_000)

    page.goto(base + "/")
    assert page.url.startswith(base + "/login")
    page.get_by_label("User name").fill(login.username)
    page.get_by_label("Password").fill(login.password)
    _shot(page, "01-login")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/")
    page.get_by_role("link", name="demo").click()
    assert page.locator("#subjects tbody tr").count() == 12

    bad = tmp_path / "visit2.csv"
    bad.write_text("subject;visit;measure;site;side;trial;value;unit\n"
                   "ex01;2;ppt;lumbar;links;1;412,5;kPa\n"
                   "ex01;2;ppt;lumbar;rechts;1;-3;kPa\n", encoding="utf-8")
    page.get_by_role("link", name="Import data").click()
    page.get_by_label("Observations file").set_input_files(str(bad))
    page.get_by_role("button", name="Check and import").click()
    problems = page.locator("#problems tbody tr")
    problems.first.wait_for()
    assert problems.count() == 1
    row = problems.first.inner_text()
    assert "visit2.csv" in row and "3" in row and "outside hard limits" in row
    _shot(page, "02-import-error")

    page.goto(base + "/studies/demo/subjects/ex01")
    page.get_by_role("link", name="Enter a visit").click()
    page.get_by_label("Measure 1").fill("ppt")
    page.get_by_label("Site 1").fill("lumbar")
    page.get_by_label("Side 1").select_option("left")
    page.get_by_label("Value 1").fill("abc")
    page.get_by_label("Unit 1").fill("kPa")
    live = page.locator("#live")
    live.get_by_text("not a number").wait_for()
    assert page.get_by_label("Value 1").get_attribute("aria-invalid") == "true"
    _shot(page, "03-live-validation")
    page.get_by_label("Value 1").fill("410")
    live.get_by_text("All rows are valid.").wait_for()
    page.get_by_role("button", name="Save visit").click()
    page.locator("#saved").wait_for()

    page.goto(base + "/studies/demo/subjects/ex07")
    page.get_by_role("link", name="Mechanism profile").click()
    assert page.locator("#profile tbody tr").count() == 10
    assert page.locator(".figures img").count() == 2
    _shot(page, "04-profile")

    page.get_by_role("link", name="Deutsch").click()
    page.get_by_role("heading", name="Mechanismenprofil: ex07").wait_for()
    _shot(page, "05-profile-de")

    with page.expect_download() as info:
        page.get_by_role("link", name="Bericht herunterladen (PDF)").click()
    target = ARTIFACTS / "report-de.pdf"
    info.value.save_as(str(target))
    assert target.read_bytes().startswith(b"%PDF")
