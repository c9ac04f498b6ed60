"""The attacks of issue 21 on the web app and REST API, each replayed with its figures.

Point 1 login throttling, 2 revocable access, 3 job reads re-check the study
permission, 8 the smaller points (login CSRF, /docs and the CSP, no-store on
downloads, 404 vs 403, study creation, job cap). Points 4 (crashes), 6 (logs)
and 7 (full disk) on real server processes are in ``test_hardening_processes.py``;
5 (demo) in ``tests/cli/test_demo_cli.py``. Login tests run the app with a fake
clock, so locks are waited out without sleeping.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from apihelpers import PASSWORDS, TestClient
from relhelpers import record_figures

from painmech import storage
from painmech.storage._models import AuditEntry


@pytest.fixture
def clocked(seeded, fake_clock):
    """The app with login throttling on a fake clock, and a client for it."""
    from painmech.api import create_app

    clock = fake_clock
    application = create_app(seeded, reference_min_n=3, job_timeout_s=120,
                             login_policy=storage.LoginPolicy(clock=clock))
    with TestClient(application) as client:
        yield application, client, clock


def _entries(app, **where):
    query = sa.select(AuditEntry).order_by(AuditEntry.id)
    for column, value in where.items():
        query = query.where(getattr(AuditEntry, column) == value)
    with app.state.db.read() as s:
        return s.execute(query).scalars().all()


def test_login_brute_force_is_locked_after_5_and_audited_once(clocked):
    app, client, clock = clocked
    before = len(_entries(app))
    statuses, retry_after = [], []
    for _ in range(200):  # 200 wrong passwords in 25 s, as in the attack
        response = client.post("/login", data={"username": "owner", "password": "guess"},
                               follow_redirects=False)
        statuses.append(response.status_code)
        if response.status_code == 429:
            retry_after.append(int(response.headers["retry-after"]))
        clock.advance(0.125)
    new = _entries(app)[before:]
    assert statuses == [401] * 5 + [429] * 195
    assert [(e.action, e.actor) for e in new] == [("login_failed", "owner")]
    assert "Too many failed logins" in response.text
    right_during_lock = client.post("/login", data={"username": "owner",
                                                    "password": PASSWORDS["owner"]},
                                    follow_redirects=False).status_code
    api_during_lock = client.post("/api/auth/login", json={"username": "owner",
                                                           "password": PASSWORDS["owner"]})
    assert right_during_lock == api_during_lock.status_code == 429
    assert api_during_lock.json()["error"]["code"] == "too_many_requests"
    clock.advance(60)
    after = client.post("/login", data={"username": "owner", "password": PASSWORDS["owner"]},
                        follow_redirects=False)
    assert after.status_code == 303
    login = _entries(app, action="login")[-1]
    assert login.new == '{"failures_before":5,"refused_before":197}'
    record_figures("login_brute_force", attempts=200, checked_401=statuses.count(401),
                   refused_429=statuses.count(429), audit_entries=len(new),
                   first_retry_after_s=retry_after[0], right_password_during_lock=429,
                   right_password_after_60s=after.status_code,
                   login_entry_failures_before=5, login_entry_refused_before=197)


def test_password_spraying_from_one_address_is_cut_off_without_storing_names(clocked):
    app, client, _ = clocked
    before = len(_entries(app))
    names = [f"Winter2026!{i:03d}" for i in range(100)]  # passwords typed as user names
    codes = [client.post("/api/auth/login", json={"username": name,
                                                  "password": "Winter2026!"}).status_code
             for name in names]
    new = _entries(app)[before:]
    assert codes == [401] * 20 + [429] * 80
    assert len(new) == 20 and {e.actor for e in new} == {storage.UNKNOWN_USER}
    stored = 0
    with app.state.db.read() as s:
        for table in sa.inspect(app.state.db.engine).get_table_names():
            stored += repr(s.execute(sa.text(f'SELECT * FROM "{table}"')).all()).count(
                "Winter2026")
    assert stored == 0
    record_figures("login_spraying", names_tried=100, checked_401=codes.count(401),
                   refused_429=codes.count(429), audit_entries=len(new),
                   typed_names_stored=stored)


def _login(client, name):
    me = client.post("/api/auth/login", json={"username": name, "password": PASSWORDS[name]})
    assert me.status_code == 200, me.text
    return {"X-CSRF-Token": me.json()["csrf_token"]}


def test_access_is_taken_back(client, token):
    figures = {}
    # a token made while logged in stops working when that session logs out
    csrf = _login(client, "editor")
    made = client.post("/api/auth/tokens", json={"name": "script"}, headers=csrf).json()
    days = (datetime.fromisoformat(made["expires_at"]) - datetime.now(UTC)).days
    assert days == 89  # 90 days from now, less the seconds since
    script = {"Authorization": f"Bearer {made['token']}"}
    assert client.get("/api/studies", headers=script).status_code == 200
    assert client.post("/api/auth/logout", headers=csrf).status_code == 204
    client.cookies.clear()
    figures["token_after_logout"] = client.get("/api/studies", headers=script).status_code
    assert figures["token_after_logout"] == 401
    # an administrator disables a user: their token stops at once
    admin = token["admin"]
    viewer = token["viewer"]
    assert client.patch("/api/admin/users/viewer", json={"is_active": False},
                        headers=viewer).status_code == 403  # not an administrator
    assert client.patch("/api/admin/users/viewer", json={"is_active": False},
                        headers=admin).json()["is_active"] is False
    figures["token_of_disabled_user"] = client.get("/api/studies", headers=viewer).status_code
    figures["login_of_disabled_user"] = client.post(
        "/api/auth/login", json={"username": "viewer", "password": PASSWORDS["viewer"]}
    ).status_code
    # a password reset ends every token and the old password
    owner = token["owner"]
    assert client.post("/api/admin/users/owner/password",
                       json={"password": "owner-new-password"}, headers=admin).status_code == 204
    figures["token_after_password_reset"] = client.get("/api/studies",
                                                       headers=owner).status_code
    figures["old_password_after_reset"] = client.post(
        "/api/auth/login", json={"username": "owner", "password": PASSWORDS["owner"]}
    ).status_code
    # one token revoked by its id (by its owner; another user gets 404)
    listed = client.get("/api/auth/tokens", headers=token["editor"]).json()
    own_id = next(t["id"] for t in listed if t["kind"] == "api")
    assert client.delete(f"/api/auth/tokens/{own_id}", headers=token["outsider"]
                         ).status_code == 404
    assert client.delete(f"/api/auth/tokens/{own_id}", headers=token["editor"]
                         ).status_code == 204
    figures["token_after_revocation"] = client.get("/api/studies",
                                                   headers=token["editor"]).status_code
    assert set(figures.values()) == {401}, figures
    record_figures("revocable_access", api_token_default_days=90, **figures)


@pytest.mark.slow
def test_a_removed_member_cannot_read_the_job_they_started(client, token):
    started = client.post("/api/studies/s1/cohort", headers=token["viewer"]).json()
    url = f"/api/jobs/{started['id']}"
    for _ in range(600):  # bounded: at most 120 s
        job = client.get(url, headers=token["viewer"]).json()
        if job["status"] not in ("queued", "running"):
            break
        time.sleep(0.2)
    assert job["status"] == "done", job["error"]
    rows = len(job["result"]["claims"]["rows"])
    assert client.put("/api/studies/s1/members", json={"username": "viewer", "role": None},
                      headers=token["owner"]).status_code == 204
    after = client.get(url, headers=token["viewer"])
    assert after.status_code == 404 and after.json()["error"]["code"] == "not_found"
    assert client.get("/api/jobs/" + "0" * 32, headers=token["viewer"]).json() == {
        "error": {"code": "not_found", "message": f"no job {'0' * 32!r}"}}
    _login(client, "viewer")
    page = client.get(f"/jobs/{started['id']}")
    assert page.status_code == 404 and "claims" not in page.text
    record_figures("job_after_role_removed", result_rows_before=rows,
                   rest_status_after=after.status_code, page_status_after=page.status_code)


ORIGINS = {  # headers a browser sends with a form posted from another site
    "Origin": {"Origin": "http://evil.example"},
    "Referer": {"Referer": "http://evil.example/login-csrf.html"},
    "Sec-Fetch-Site": {"Sec-Fetch-Site": "cross-site"},
    "null Origin": {"Origin": "null"},
}


def test_a_cross_site_login_form_is_refused(client):
    refused = 0
    for headers in ORIGINS.values():
        for url, kw in (("/login", {"data": {"username": "owner",
                                              "password": PASSWORDS["owner"]}}),
                        ("/api/auth/login", {"json": {"username": "owner",
                                                      "password": PASSWORDS["owner"]}})):
            response = client.post(url, headers=headers, follow_redirects=False, **kw)
            assert response.status_code == 403, (url, headers)
            assert "pm_session" not in response.headers.get("set-cookie", "")
            refused += 1
    same = client.post("/login", data={"username": "owner", "password": PASSWORDS["owner"]},
                       headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"},
                       follow_redirects=False)
    assert same.status_code == 303
    # behind a reverse proxy that terminates TLS for another host name
    proxied = client.post("/login", data={"username": "owner", "password": PASSWORDS["owner"]},
                          headers={"Origin": "https://painmech.clinic.example",
                                   "X-Forwarded-Host": "painmech.clinic.example"},
                          follow_redirects=False)
    assert proxied.status_code == 303
    record_figures("login_csrf", cross_site_logins=refused, refused_403=refused,
                   same_origin_login=same.status_code)


def test_no_page_loads_from_a_cdn_and_docs_are_local_or_absent(app, client, tmp_path,
                                                                 seeded):
    from painmech.api import create_app

    for path in ("/docs", "/redoc"):
        assert client.get(path).status_code == 404
    assert client.get("/openapi.json").status_code == 200
    assert "/docs" not in client.get("/login").text
    folder = tmp_path / "swagger"
    folder.mkdir()
    (folder / "swagger-ui-bundle.js").write_text("window.SwaggerUIBundle = function () {};")
    (folder / "swagger-ui.css").write_text("body {}")
    with TestClient(create_app(seeded, docs_assets=folder)) as local:
        docs = local.get("/docs")
        bundle = local.get("/docs-assets/swagger-ui-bundle.js")
    assert docs.status_code == bundle.status_code == 200
    assert "script-src 'self'" in docs.headers["content-security-policy"]
    sources = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert sources and all(s.startswith("/") for s in sources), sources
    assert "<script>" not in docs.text  # no inline script: the CSP would block it
    record_figures("api_docs", docs_default=404, docs_with_local_assets=200,
                   external_sources=0, csp_on_docs=True)


def test_downloads_of_study_data_are_not_cached(client, token):
    checked = {}
    for name, url in (("pdf", "/api/studies/s1/subjects/ex07/report?format=pdf"),
                      ("csv", "/api/studies/s1/export?mode=pseudonymised"),
                      ("json", "/api/studies/s1/observations?subject=ex01")):
        response = client.get(url, headers=token["editor"])
        assert response.status_code == 200, url
        checked[name] = response.headers["cache-control"]
    assert set(checked.values()) == {"no-store"}
    assert "no-store" not in client.get("/static/style.css").headers.get("cache-control", "")
    record_figures("no_store", **checked)


HIDE_URLS = ["/api/studies/{s}", "/api/studies/{s}/subjects", "/api/studies/{s}/subjects/ex01",
             "/api/studies/{s}/observations", "/api/studies/{s}/metrics",
             "/api/studies/{s}/profiles", "/api/studies/{s}/export",
             "/api/studies/{s}/audit", "/api/studies/{s}/members",
             "/api/studies/{s}/subjects/ex01/visits",
             "/api/studies/{s}/subjects/ex01/report?format=html"]


def test_unknown_and_forbidden_studies_get_the_same_answer(client, token):
    same = 0
    for url in HIDE_URLS:
        hidden = client.get(url.format(s="s1"), headers=token["outsider"])
        missing = client.get(url.format(s="zz"), headers=token["outsider"])
        assert hidden.status_code == missing.status_code == 404, url
        assert hidden.json()["error"] == {"code": "not_found", "message": "no study 's1'"}
        assert missing.json()["error"] == {"code": "not_found", "message": "no study 'zz'"}
        same += 1
    for method, body in (("POST", {"visit": 9}), ("DELETE", {"reason": "probing"})):
        url = ("/api/studies/{s}/subjects/ex01/visits" if method == "POST"
               else "/api/studies/{s}/subjects/ex01")
        codes = {client.request(method, url.format(s=s), json=body,
                                headers=token["outsider"]).status_code for s in ("s1", "zz")}
        assert codes == {404}, url
        same += 1
    record_figures("hidden_studies", requests_compared=same, identical_404=same)


def test_study_creation_is_restricted_and_jobs_are_capped(client, token):
    body = {"code": "new1", "title": "New study"}
    refused = client.post("/api/studies", json=body, headers=token["viewer"])
    assert refused.status_code == 403 and "may not create studies" in refused.text
    assert client.patch("/api/admin/users/viewer", json={"may_create_studies": True},
                        headers=token["admin"]).status_code == 200
    assert client.post("/api/studies", json=body, headers=token["viewer"]).status_code == 201
    codes = [client.post("/api/simulations", json={"n": 1, "seed": i},
                         headers=token["editor"]).status_code for i in range(6)]
    assert codes == [202] * 4 + [429] * 2
    record_figures("study_creation_and_job_cap", plain_user_creates_study=403,
                   after_admin_allows=201, simulations_posted=6, accepted_202=4,
                   refused_429=2)
