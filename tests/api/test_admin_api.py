"""The administrators' REST API (/api/admin) and one's own tokens (/api/auth/tokens)."""

from __future__ import annotations

import pytest
from apihelpers import PASSWORDS

ADMIN_ROUTES = [("GET", "/api/admin/users", None),
                ("POST", "/api/admin/users", {"username": "x-user", "password": "long-enough"}),
                ("PATCH", "/api/admin/users/viewer", {"is_active": False}),
                ("POST", "/api/admin/users/viewer/password", {"password": "long-enough"}),
                ("POST", "/api/admin/users/viewer/revoke-tokens", None),
                ("GET", "/api/admin/tokens", None),
                ("DELETE", f"/api/admin/tokens/{2**40}", None),
                ("GET", "/api/admin/logins", None),
                ("DELETE", "/api/admin/logins/viewer", None)]


@pytest.mark.parametrize("method, url, body", ADMIN_ROUTES, ids=[f"{m} {u}" for m, u, _ in
                                                                 ADMIN_ROUTES])
def test_admin_routes_refuse_everybody_but_site_administrators(client, token, method, url,
                                                               body):
    for who in ("owner", "editor", "viewer", "outsider"):
        response = client.request(method, url, headers=token[who],
                                  **({"json": body} if body else {}))
        assert response.status_code == 403, (who, response.text)
    done = client.request(method, url, headers=token["admin"],
                          **({"json": body} if body else {}))
    assert done.status_code < 300 or (done.status_code == 404 and "no token" in done.text)
    # an administrator's study-scoped token is not enough
    assert client.put("/api/studies/s1/members", json={"username": "admin", "role": "viewer"},
                      headers=token["owner"]).status_code == 204
    scoped = client.post("/api/auth/tokens", json={"study": "s1"}, headers=token["admin"])
    assert scoped.status_code == 201, scoped.text
    assert client.get("/api/admin/users", headers={
        "Authorization": f"Bearer {scoped.json()['token']}"}).status_code == 403


def test_administrators_manage_users_tokens_and_locks(client, token):
    admin = token["admin"]
    users = client.get("/api/admin/users", headers=admin).json()
    assert {u["username"] for u in users} == set(PASSWORDS)
    assert all("password" not in str(sorted(u)) for u in users)
    made = client.post("/api/admin/users", json={"username": "nurse",
                                                 "password": "nurse-password",
                                                 "may_create_studies": True}, headers=admin)
    assert made.status_code == 201 and made.json()["may_create_studies"] is True
    assert client.post("/api/admin/users", json={"username": "nurse", "password": "x" * 8},
                       headers=admin).status_code == 409
    for _ in range(5):
        client.post("/api/auth/login", json={"username": "nurse", "password": "wrong-pw"})
    assert client.post("/api/auth/login", json={"username": "nurse",
                                                "password": "nurse-password"}
                       ).status_code == 429
    locks = client.get("/api/admin/logins", headers=admin).json()
    assert [(r["scope"], r["username"], r["failures"], r["locked"]) for r in locks
            if r["scope"] == "user"] == [("user", "nurse", 5, True)]
    assert client.delete("/api/admin/logins/nurse", headers=admin).status_code == 204
    client.cookies.clear()
    login = client.post("/api/auth/login", json={"username": "nurse",
                                                 "password": "nurse-password"})
    assert login.status_code == 200
    tokens = client.get("/api/admin/tokens?user=nurse", headers=admin).json()
    assert [t["kind"] for t in tokens] == ["session"]
    assert client.post("/api/admin/users/nurse/revoke-tokens", headers=admin).json() == {
        "revoked": 1}
    assert client.get("/api/auth/me").status_code == 401  # the session has ended


def test_own_tokens_are_listed_and_revoked(client, token):
    made = client.post("/api/auth/tokens", json={"name": "laptop", "days": 7},
                       headers=token["editor"]).json()
    mine = client.get("/api/auth/tokens", headers=token["editor"]).json()
    assert {t["name"] for t in mine} >= {"laptop"} and {t["username"] for t in mine} == {
        "editor"}
    laptop = next(t for t in mine if t["name"] == "laptop")
    assert laptop["state"] == "active" and laptop["expires_at"] is not None
    assert "token" not in laptop
    assert client.delete(f"/api/auth/tokens/{laptop['id']}", headers=token["viewer"]
                         ).status_code == 404
    assert client.delete(f"/api/auth/tokens/{laptop['id']}", headers=token["editor"]
                         ).status_code == 204
    assert client.get("/api/studies", headers={
        "Authorization": f"Bearer {made['token']}"}).status_code == 401


def test_bearer_logout_revokes_that_token(client, token):
    assert client.post("/api/auth/logout", headers=token["viewer"]).status_code == 204
    assert client.get("/api/studies", headers=token["viewer"]).status_code == 401
