"""Web pages: login, language switch, escaping, import wizard, visit entry, jobs."""

from __future__ import annotations

import re
import time
from importlib.resources import files

import pytest
from apihelpers import PASSWORDS

from painmech import storage
from painmech.api._i18n import LANGS, MESSAGES
from painmech.exceptions import ValidationError


@pytest.fixture
def web(client):
    response = client.post("/login", data={"username": "owner", "password": PASSWORDS["owner"],
                                           "next": "/studies/s1"})
    assert response.status_code == 200 and response.url.path == "/studies/s1"
    csrf = re.search(r'name="csrf-token" content="([0-9a-f]+)"', response.text).group(1)
    return client, csrf


def test_pages_need_a_login_and_come_back_after_it(client):
    response = client.get("/studies/s1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/studies/s1"
    failed = client.post("/login", data={"username": "owner", "password": "wrong"})
    assert failed.status_code == 401 and 'role="alert"' in failed.text


def test_open_redirects_are_refused(client):
    response = client.post("/login", data={"username": "owner", "password": PASSWORDS["owner"],
                                           "next": "//evil.example/x"}, follow_redirects=False)
    assert response.headers["location"] == "/"


def test_language_switch_is_remembered(web):
    client, _ = web
    german = client.get("/studies/s1?lang=de")
    assert '<html lang="de">' in german.text and "Probanden" in german.text
    assert '<html lang="de">' in client.get("/").text  # cookie
    assert "Your studies" in client.get("/?lang=en").text


def test_every_ui_string_exists_in_both_languages():
    missing = [k for k, v in MESSAGES.items() if set(v) != set(LANGS) or not all(v.values())]
    assert missing == []
    used = set()
    for path in (files("painmech.api") / "templates").iterdir():
        used |= set(re.findall(r"\bt\('([a-z0-9_]+)'\s*[,)]", path.read_text(encoding="utf-8")))
    assert used - set(MESSAGES) == set()


def test_text_from_users_is_escaped(web, app):
    client, _ = web
    with app.state.db.write() as s:
        storage.add_subject(s, storage.SYSTEM, storage.get_study(s, "s1"),
                            "<script>alert(1)<\\script>", "female", 30, "healthy",
                            group='"><img src=x onerror=alert(2)>')
        with pytest.raises(ValidationError, match="holds '/'"):
            storage.add_subject(s, storage.SYSTEM, storage.get_study(s, "s1"),
                                "<script>alert(1)</script>", "female", 30, "healthy")
    html = client.get("/studies/s1").text
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html


def test_forms_need_the_csrf_token(web):
    client, csrf = web
    bad = client.post("/studies", data={"code": "x1", "title": "X"})
    assert bad.status_code == 403
    good = client.post("/studies", data={"code": "x1", "title": "X", "csrf": csrf})
    assert good.url.path == "/studies/x1"


def test_import_wizard_lists_the_problems(web, snapshot):
    client, csrf = web
    before = snapshot()
    text = ("subject,visit,measure,site,side,trial,value,unit\n"
            "ex01,4,ppt,lumbar,left,1,999999,kPa\n")
    page = client.post("/studies/s1/import", data={"csrf": csrf},
                       files={"observations": ("visit4.csv", text.encode(), "text/csv")})
    assert page.status_code == 422
    assert "visit4.csv" in page.text and "outside hard limits" in page.text
    assert snapshot() == before
    page = client.post("/studies/s1/import", data={"csrf": csrf}, files={
        "observations": ("visit4.csv", text.replace("999999", "350").encode(), "text/csv")})
    assert page.status_code == 200 and 'id="import-result"' in page.text


def test_visit_entry_stores_all_rows_or_shows_problems(web, snapshot):
    client, csrf = web
    before = snapshot()
    form = {"csrf": csrf, "visit": "3", "date": "2024-05-02",
            "measure": ["ppt", "crp"], "site": ["lumbar", "none"], "side": ["left", "none"],
            "trial": ["1", "1"], "value": ["410", "x"], "unit": ["kPa", "mg/L"]}
    page = client.post("/studies/s1/subjects/ex01/visit", data=form)
    assert page.status_code == 422 and "not a number" in page.text
    assert snapshot() == before
    form["value"] = ["410", "1.5"]
    page = client.post("/studies/s1/subjects/ex01/visit", data=form)
    assert page.status_code == 200 and 'id="saved"' in page.text
    assert snapshot()["observations"] == before["observations"] + 2


def test_profile_page_shows_figures_and_all_mechanisms(web):
    client, _ = web
    page = client.get("/studies/s1/subjects/ex07/profile?lang=de")
    assert page.status_code == 200
    assert page.text.count('src="data:image/png;base64,') == 2
    assert page.text.count('<tr class="status-') == 10 and "Mechanismenprofil" in page.text


def test_forbidden_pages_render_in_html(client):
    client.post("/login", data={"username": "viewer", "password": PASSWORDS["viewer"]})
    page = client.get("/studies/s1/subjects/ex01/visit")  # entering data needs an editor
    assert page.status_code == 403 and "<html" in page.text
    # a study one is no member of looks like a study that does not exist
    client.cookies.clear()
    client.post("/login", data={"username": "outsider", "password": PASSWORDS["outsider"]})
    hidden = client.get("/studies/s1/subjects/ex01")
    missing = client.get("/studies/zz/subjects/ex01")
    assert hidden.status_code == missing.status_code == 404 and "<html" in hidden.text
    assert hidden.text.replace("s1", "zz") == missing.text


@pytest.mark.slow
def test_simulation_job_runs_in_the_background(client, token):
    started = client.post("/api/simulations", json={"n": 8, "seed": 3},
                          headers=token["editor"]).json()
    for _ in range(300):
        job = client.get(f"/api/jobs/{started['id']}", headers=token["editor"]).json()
        if job["status"] not in ("queued", "running"):
            break
        time.sleep(0.2)
    assert job["status"] == "done", job["error"]
    assert sum(r[1] for r in job["result"]["conditions"]["rows"]) == 8
    assert client.get(f"/api/jobs/{started['id']}", headers=token["viewer"]).status_code == 404
