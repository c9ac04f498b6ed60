"""Access control: role x action x endpoint across two studies, scoped tokens, exports.

Study s1: owner, editor, viewer (outsider has no role); study s2: outsider is
owner, the others have no role. Expected rights come from storage.PERMISSIONS.
Every forbidden cell must leave a ``denied`` audit entry naming the user and
answer 403 when the user is a member of the study, or 404 "no study" (the
answer to a study that does not exist) when not, so that studies cannot be
probed; every allowed cell must succeed.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest
import sqlalchemy as sa
from relhelpers import record_figures

from painmech import storage
from painmech.storage._models import AuditEntry

ACTIONS = {  # action: (method, path, json body)
    "view": ("GET", "/api/studies/{s}/observations?subject=ex01", None),
    "view_subjects": ("GET", "/api/studies/{s}/subjects", None),
    "enter": ("POST", "/api/studies/{s}/subjects/ex01/visits", {"visit": 9}),
    "edit": ("PATCH", "/api/studies/{s}/subjects/ex01",
             {"age": 41, "reason": "typo in the form"}),
    "delete": ("DELETE", "/api/studies/{s}/subjects/ex02", {"reason": "consent withdrawn"}),
    "export": ("GET", "/api/studies/{s}/export?mode=anonymised", None),
    "manage_users": ("PUT", "/api/studies/{s}/members", {"username": "admin", "role": "viewer"}),
    "read_audit": ("GET", "/api/studies/{s}/audit", None),
}
PERMISSION = {"view": "view", "view_subjects": "view", "enter": "enter", "edit": "edit",
              "delete": "delete", "export": "export", "manage_users": "manage",
              "read_audit": "manage"}
ROLES = {"s1": {"owner": "owner", "editor": "editor", "viewer": "viewer"},
         "s2": {"outsider": "owner"}}


@pytest.fixture
def two_studies(app):
    """Copy three subjects of s1 (with their observations) into s2, owned by outsider."""
    with app.state.db.write() as s:
        s1, s2 = storage.get_study(s, "s1"), storage.get_study(s, "s2")
        subj = storage.load_subjects(s, storage.SYSTEM, s1, ["ex01", "ex02", "ex03"])
        obs = storage.load_observations(s, storage.SYSTEM, s1, subjects=["ex01", "ex02",
                                                                          "ex03"])
        outsider = storage.actor_for(s.execute(sa.select(storage._models.User).where(
            storage._models.User.username == "outsider")).scalar())
        result = storage.import_frames(s, outsider, s2, obs.drop(columns=["date"]), subj)
        assert result.ok, result.problems
    return app


@pytest.mark.parametrize("study", ["s1", "s2"])
@pytest.mark.parametrize("who", ["owner", "editor", "viewer", "outsider"])
@pytest.mark.parametrize("action", list(ACTIONS))
def test_role_action_matrix_across_two_studies(two_studies, client, token, study, who, action):
    method, path, body = ACTIONS[action]
    role = ROLES[study].get(who)
    allowed = role in storage.PERMISSIONS[PERMISSION[action]]
    response = client.request(method, path.format(s=study), headers=token[who],
                              **({"json": body} if body is not None else {}))
    if allowed:
        assert response.status_code < 300, response.text
        return
    if role is None:  # not a member: the study is hidden
        assert response.status_code == 404, response.text
        assert response.json() == {"error": {"code": "not_found",
                                             "message": f"no study {study!r}"}}
    else:
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "forbidden"
    with two_studies.state.db.read() as s:
        last = s.execute(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).scalar()
        study_id = storage.get_study(s, study).id
    assert (last.action, last.actor, last.study_id) == ("denied", who, study_id)


def test_a_study_token_never_reaches_the_other_study(two_studies, client, token):
    # make owner an owner of s2 too, then give them a token for s1 only
    assert client.put("/api/studies/s2/members", json={"username": "owner", "role": "owner"},
                      headers=token["outsider"]).status_code == 204
    scoped = client.post("/api/auth/tokens", json={"name": "s1 only", "study": "s1"},
                         headers=token["owner"]).json()["token"]
    headers = {"Authorization": f"Bearer {scoped}"}
    assert [s["code"] for s in client.get("/api/studies", headers=headers).json()] == ["s1"]
    refused = 0
    for action, (method, path, body) in ACTIONS.items():
        assert client.request(method, path.format(s="s2"), headers=token["owner"],
                              **({"json": body} if body else {})).status_code < 300, action
        response = client.request(method, path.format(s="s2"), headers=headers,
                                  **({"json": body} if body else {}))
        assert response.status_code == 404, (action, response.text)  # s2 is hidden
        refused += 1
    for url in ("/api/studies/s2/metrics", "/api/studies/s2/profiles",
                "/api/studies/s2/subjects/ex01/report?format=html"):
        assert client.get(url, headers=headers).status_code == 404, url
        refused += 1
    assert client.post("/api/studies", json={"code": "s3", "title": "x"},
                       headers=headers).status_code == 403
    record_figures("access_scoped_token", s2_requests_refused=refused + 1)


def test_export_modes_drop_identifiers_and_shift_dates_per_subject(app, client, token):
    with app.state.db.write() as s:
        study = storage.get_study(s, "s1")
        for subject in ("ex01", "ex02", "ex03"):
            for visit, date in ((0, "2024-01-10"), (1, "2024-04-02")):
                row = storage.get_visit(s, study, subject, visit) if visit in storage.list_visits(
                    s, storage.SYSTEM, study, subject)["visit"].tolist() else storage.add_visit(
                    s, storage.SYSTEM, study, subject, visit)
                row.date = pd.Timestamp(date).date()

    def export(mode, table="observations"):
        response = client.get(f"/api/studies/s1/export?mode={mode}&table={table}",
                              headers=token["editor"])
        assert response.status_code == 200
        return pd.read_csv(io.StringIO(response.text), dtype={"subject": str})

    plain = export("pseudonymised")
    shifted = [export("shifted_dates") for _ in range(2)]
    pd.testing.assert_frame_equal(shifted[0], shifted[1])  # the same shift every time
    both = plain.assign(shifted=pd.to_datetime(shifted[0]["date"]),
                        date=pd.to_datetime(plain["date"])).dropna(subset=["date"])
    delta = (both["shifted"] - both["date"]).dt.days
    per_subject = delta.groupby(both["subject"]).nunique()
    assert (per_subject == 1).all() and (delta != 0).all() and delta.abs().le(180).all()
    assert delta.groupby(both["subject"]).first().nunique() > 1  # subjects differ
    for mode in ("no_dates", "anonymised"):
        obs = export(mode)
        assert "date" not in obs.columns
    anon_obs, anon_subj = export("anonymised"), export("anonymised", "subjects")
    real = set(plain["subject"])
    assert not (set(anon_obs["subject"]) & real) and not (set(anon_subj["subject"]) & real)
    assert anon_obs["subject"].str.fullmatch(r"s\d{4}").all()
    assert len(anon_obs) == len(plain)
    identifiers = {"name", "birth_date", "email", "address", "phone"}
    assert not identifiers & (set(plain.columns) | set(anon_subj.columns))
    record_figures("export_modes", subjects_with_dates=int(per_subject.size),
                   distinct_shifts=int(delta.groupby(both["subject"]).first().nunique()),
                   rows=len(plain))


def test_matrix_figures():
    """Size of the matrix above (counted from its parameters, whichever worker ran it)."""
    cells = [(study, who, action) for study in ("s1", "s2")
             for who in ("owner", "editor", "viewer", "outsider") for action in ACTIONS]
    allowed = sum(ROLES[st].get(who) in storage.PERMISSIONS[PERMISSION[a]]
                  for st, who, a in cells)
    hidden = sum(ROLES[st].get(who) is None for st, who, _ in cells)
    record_figures("access_matrix", cells=len(cells), allowed=allowed,
                   denied_and_audited=len(cells) - allowed, of_which_hidden_404=hidden,
                   forbidden_403=len(cells) - allowed - hidden)
