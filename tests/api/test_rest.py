"""REST API: authentication, roles, all-or-nothing writes, one error format."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from apihelpers import PASSWORDS, obs_rows

from painmech import storage
from painmech.storage._models import AuditEntry


def _error(response, status, code):
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


def test_requests_without_credentials_get_401_in_the_error_format(client):
    _error(client.get("/api/studies"), 401, "unauthorized")
    _error(client.get("/api/studies", headers={"Authorization": "Bearer pm_nope"}), 401,
           "unauthorized")


def test_unknown_routes_and_ids_get_404(client, token):
    _error(client.get("/api/nowhere", headers=token["owner"]), 404, "not_found")
    _error(client.get("/api/studies/zz", headers=token["owner"]), 404, "not_found")
    _error(client.get("/api/studies/s1/subjects/ghost", headers=token["owner"]), 404,
           "not_found")


def test_login_sets_a_session_and_cookie_writes_need_the_csrf_token(client):
    _error(client.post("/api/auth/login", json={"username": "owner", "password": "x"}), 401,
           "unauthorized")
    me = client.post("/api/auth/login", json={"username": "owner",
                                              "password": PASSWORDS["owner"]}).json()
    assert client.get("/api/studies").status_code == 200
    body = {"subject": "n1", "sex": "f", "age": 30, "condition": "healthy"}
    _error(client.post("/api/studies/s1/subjects", json=body), 403, "csrf")
    ok = client.post("/api/studies/s1/subjects", json=body,
                     headers={"X-CSRF-Token": me["csrf_token"]})
    assert ok.status_code == 201 and ok.json()["sex"] == "female"
    assert client.post("/api/auth/logout",
                       headers={"X-CSRF-Token": me["csrf_token"]}).status_code == 204
    _error(client.get("/api/studies"), 401, "unauthorized")


def test_study_list_shows_only_member_studies(client, token):
    studies = client.get("/api/studies", headers=token["viewer"]).json()
    assert [(s["code"], s["role"], s["n_subjects"]) for s in studies] == [("s1", "viewer", 12)]


# endpoint × role: which roles may call it (storage.PERMISSIONS)
CASES = [
    ("get", "/api/studies/s1/subjects", None, {"owner", "editor", "viewer"}),
    ("get", "/api/studies/s1/observations?subject=ex01", None, {"owner", "editor", "viewer"}),
    ("post", "/api/studies/s1/observations", obs_rows(1)[0], {"owner", "editor"}),
    ("post", "/api/studies/s1/subjects/ex01/visits", {"visit": 9}, {"owner", "editor"}),
    ("get", "/api/studies/s1/export", None, {"owner", "editor"}),
    ("delete", "/api/studies/s1/subjects/ex02", {"reason": "consent withdrawn"}, {"owner"}),
    ("put", "/api/studies/s1/members", {"username": "outsider", "role": "viewer"}, {"owner"}),
    ("get", "/api/studies/s1/audit", None, {"owner"}),
]


@pytest.mark.parametrize("who", ["owner", "editor", "viewer", "outsider"])
@pytest.mark.parametrize("method, url, body, allowed", CASES,
                         ids=[f"{c[0]} {c[1]}" for c in CASES])
def test_role_matrix_is_enforced_and_refusals_are_audited(client, token, app, who, method,
                                                          url, body, allowed):
    kwargs = {"headers": token[who]}
    if body is not None:
        kwargs["json"] = body
    response = client.request(method.upper(), url, **kwargs)
    if who in allowed:
        assert response.status_code < 300, response.text
    else:
        # a member lacking the right gets 403; a non-member gets the answer of a study
        # that does not exist (404), so that studies cannot be probed; both are audited
        if who == "outsider":
            assert _error(response, 404, "not_found")["message"] == "no study 's1'"
        else:
            _error(response, 403, "forbidden")
        with app.state.db.read() as s:
            last = s.execute(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).scalar()
        assert (last.action, last.actor) == ("denied", who)


def test_study_scoped_token_cannot_reach_another_study(client, token):
    scoped = client.post("/api/auth/tokens", json={"name": "s1 only", "study": "s1"},
                         headers=token["owner"]).json()["token"]
    headers = {"Authorization": f"Bearer {scoped}"}
    assert client.get("/api/studies/s1/subjects", headers=headers).status_code == 200
    assert client.put("/api/studies/s2/members", json={"username": "owner", "role": "owner"},
                      headers=token["outsider"]).status_code == 204
    assert client.get("/api/studies/s2/subjects", headers=token["owner"]).status_code == 200
    _error(client.get("/api/studies/s2/subjects", headers=headers), 404, "not_found")
    _error(client.post("/api/auth/tokens", json={}, headers=headers), 403, "forbidden")


def test_bulk_import_is_all_or_nothing(client, token, snapshot):
    before = snapshot()
    err = _error(client.post("/api/studies/s1/observations/bulk",
                             json={"observations": obs_rows(300, bad=211)},
                             headers=token["editor"]), 422, "validation_failed")
    assert err["problems"] == [{"file": "<observations>", "row": 213, "column": "value",
                                "value": "abc", "reason": "not a number"}]
    assert snapshot() == before
    ok = client.post("/api/studies/s1/observations/bulk", json={"observations": obs_rows(300)},
                     headers=token["editor"])
    assert ok.status_code == 201 and ok.json()["n_observations"] == 300
    assert snapshot()["observations"] == before["observations"] + 300


def test_file_import_names_the_problem_and_stores_nothing(client, token, snapshot):
    before = snapshot()
    text = "subject;visit;measure;site;side;trial;value;unit\nex01;3;ppt;lumbar;links;1;31,2;N\n"
    response = client.post("/api/studies/s1/imports", headers=token["editor"], files={
        "observations": ("visit3.csv", io.BytesIO(text.encode()), "text/csv")})
    err = _error(response, 422, "validation_failed")
    assert err["problems"][0]["file"] == "visit3.csv" and err["problems"][0]["column"] == "unit"
    assert snapshot() == before
    good = text.replace(";N\n", ";kPa\n")
    response = client.post("/api/studies/s1/imports", headers=token["editor"], files={
        "observations": ("visit3.csv", io.BytesIO(good.encode()), "text/csv")})
    assert response.status_code == 201, response.text


def test_uploads_of_other_file_types_are_refused(client, token):
    response = client.post("/api/studies/s1/imports", headers=token["editor"], files={
        "observations": ("../../etc/passwd", io.BytesIO(b"x"), "text/plain")})
    err = _error(response, 415, "unsupported_media_type")
    assert ".." not in err["message"].split(":")[0]


def test_changing_a_value_needs_a_reason(client, token):
    obs = client.get("/api/studies/s1/observations?subject=ex01&measure=crp",
                     headers=token["editor"]).json()
    url = f"/api/studies/s1/observations/{obs[0]['id']}"
    err = _error(client.patch(url, json={"value": 2.0}, headers=token["editor"]), 422,
                 "invalid_request")
    assert err["problems"][0]["column"] == "body.reason"
    changed = client.patch(url, json={"value": "2,5", "reason": "lab resent"},
                           headers=token["editor"])
    assert changed.status_code == 422  # decimal comma in JSON is refused with the reason
    changed = client.patch(url, json={"value": 2.5, "reason": "lab resent"},
                           headers=token["editor"])
    assert changed.status_code == 200 and changed.json()["value"] == 2.5


def test_export_neutralises_formulas(client, token, app):
    with app.state.db.write() as s:
        storage.add_subject(s, storage.SYSTEM, storage.get_study(s, "s1"), "=HYPERLINK(1)",
                            "female", 30, "healthy", group="-2")
    csv = client.get("/api/studies/s1/export?table=subjects", headers=token["editor"]).text
    assert "'=HYPERLINK(1)" in csv and ",-2\n" in csv


def test_request_size_limit(app, token):
    from apihelpers import TestClient

    app.user_middleware.clear()  # rebuild with a tiny limit
    from painmech.api._limits import BodySizeLimit, SecurityHeaders

    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodySizeLimit, max_bytes=1000)
    app.middleware_stack = None
    with TestClient(app) as c:
        big = {"observations": obs_rows(100)}
        _error(c.post("/api/studies/s1/observations/bulk", json=big, headers=token["editor"]),
               413, "too_large")

        def chunks():
            for _ in range(100):
                yield b"x" * 100

        response = c.post("/api/studies/s1/imports", content=chunks(),
                          headers={**token["editor"], "content-type": "multipart/form-data; "
                                   "boundary=zz"})
        _error(response, 413, "too_large")


def test_profiles_metrics_and_reports(client, token):
    profile = client.get("/api/studies/s1/profiles?subject=ex07&visit=1",
                         headers=token["viewer"]).json()
    assert len(profile) == 10 and {p["status"] for p in profile} <= {
        "indicated", "not_indicated", "inconclusive", "not_assessed"}
    metrics = client.get("/api/studies/s1/metrics?subject=ex07", headers=token["viewer"]).json()
    assert {"metric", "value", "unit"} <= set(metrics[0])
    pdf = client.get("/api/studies/s1/subjects/ex07/report?lang=de", headers=token["viewer"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    html = client.get("/api/studies/s1/subjects/ex07/report?format=html&lang=en",
                      headers=token["viewer"])
    assert "ex07" in html.text


def test_openapi_lists_the_routes_and_error_schema(client):
    spec = client.get("/openapi.json").json()
    for path in ("/api/studies", "/api/studies/{study}/observations/bulk",
                 "/api/studies/{study}/imports", "/api/studies/{study}/profiles",
                 "/api/simulations", "/api/jobs/{job_id}"):
        assert path in spec["paths"]
    assert "ErrorBody" in spec["components"]["schemas"]


def test_security_headers(client):
    headers = client.get("/login").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
