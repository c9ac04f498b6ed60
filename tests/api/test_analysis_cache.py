"""The cached study analysis: any write gives fresh pages and REST results; concurrent
requests run the pipeline once."""

from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa
from apihelpers import PASSWORDS, TestClient, obs_rows

from painmech import storage
from painmech.api import _analysis


@pytest.fixture
def owner(client):
    page = client.post("/login", data={"username": "owner", "password": PASSWORDS["owner"],
                                       "next": "/studies/s1"})
    assert page.status_code == 200
    return client


def _actor(app, name: str) -> storage.Actor:
    with app.state.db.read() as s:
        return storage.actor_for(s.execute(sa.select(storage._models.User).where(
            storage._models.User.username == name)).scalar_one())


def _visit_links(html: str) -> list[str]:
    return re.findall(r'/profile\?visit=(\d+)"', html)


def test_a_new_observation_changes_the_pages(owner, token, app):
    client = owner
    before = client.get("/studies/s1/subjects/ex07/profile").text
    subject_before = client.get("/studies/s1/subjects/ex07").text
    assert "9" not in _visit_links(before)
    assert client.get("/studies/s1/subjects/ex07/profile").text == before  # served again
    added = client.post("/api/studies/s1/observations/bulk",
                        json={"observations": obs_rows(3, subject="ex07", visit=9)},
                        headers=token["editor"])
    assert added.status_code == 201
    after = client.get("/studies/s1/subjects/ex07/profile").text
    assert "9" in _visit_links(after)
    assert client.get("/studies/s1/subjects/ex07/profile?visit=9").status_code == 200
    assert client.get("/studies/s1/subjects/ex07").text != subject_before
    rest = client.get("/api/studies/s1/metrics?subject=ex07&visit=9",
                      headers=token["viewer"]).json()
    ppt = [r for r in rest if r["metric"] == "ppt" and r["site"] == "lumbar"]
    assert ppt and ppt[0]["n_trials"] == 3


def test_a_changed_value_changes_the_rest_results(client, token, app):
    client.post("/api/studies/s1/observations/bulk",
                json={"observations": obs_rows(3, subject="ex07", visit=9)},
                headers=token["editor"]).raise_for_status()
    url = "/api/studies/s1/metrics?subject=ex07&visit=9"
    old = {(r["metric"], r["site"], r["side"]): r["value"]
           for r in client.get(url, headers=token["viewer"]).json()}
    stored = client.get("/api/studies/s1/observations?subject=ex07&visit=9",
                        headers=token["viewer"]).json()
    first = next(r for r in stored if r["trial"] == 1)
    patched = client.patch(f"/api/studies/s1/observations/{first['id']}",
                           json={"value": 900, "reason": "typo in the paper form"},
                           headers=token["editor"])
    assert patched.status_code == 200
    new = {(r["metric"], r["site"], r["side"]): r["value"]
           for r in client.get(url, headers=token["viewer"]).json()}
    assert new[("ppt", "lumbar", "left")] != old[("ppt", "lumbar", "left")]
    # what a run without any cache gives on the stored data
    fresh = _analysis.analyse(app.state.db, _actor(app, "owner"), "s1", None,
                              app.state.reference_min_n)
    rows = fresh.metrics.loc[(fresh.metrics["subject"] == "ex07") & (fresh.metrics["visit"] == 9)]
    expected = {(m, s, d): v for m, s, d, v in
                rows[["metric", "site", "side", "value"]].itertuples(index=False)}
    assert new == pytest.approx(expected)


def test_concurrent_requests_run_the_pipeline_once(app, monkeypatch):
    calls = []
    real = _analysis._run

    def counting(*args):
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(_analysis, "_run", counting)
    actor = _actor(app, "viewer")
    cache, results = {}, []
    barrier = threading.Barrier(6)

    def worker():
        barrier.wait()
        results.append(_analysis.analyse(app.state.db, actor, "s1", cache, 3))

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len(results) == 6
    assert all(r is results[0] for r in results)
    subset = results[0].rows("profile", "ex07", 1)
    whole = results[0].profile
    expected = whole.loc[(whole["subject"] == "ex07") & (whole["visit"] == 1)]
    assert subset.equals(expected) and len(subset) == 10


def test_rest_tables_are_the_cached_analysis_rows_as_json(client, token, app):
    # the memoised JSON body must equal what FastAPI's own encoder makes of the
    # rows of an uncached pipeline run (NaN → null, same rows in the same order)
    import json

    from fastapi.encoders import jsonable_encoder

    from painmech.api._rest import records

    fresh = _analysis.analyse(app.state.db, _actor(app, "owner"), "s1", None,
                              app.state.reference_min_n)
    for route, table in (("metrics", "metrics"), ("scores", "scores"),
                         ("profiles", "profile")):
        frame = getattr(fresh, table)
        mine = frame.loc[(frame["subject"] == "ex07") & (frame["visit"] == 1)]
        expected = json.loads(json.dumps(jsonable_encoder(records(mine))))
        for _ in range(2):  # second answer comes from the memo
            got = client.get(f"/api/studies/s1/{route}?subject=ex07&visit=1",
                             headers=token["viewer"])
            assert got.status_code == 200
            assert got.headers["content-type"] == "application/json"
            assert got.json() == expected and len(expected) > 0
    # a study the viewer may not see is refused before any memo is used
    assert client.get("/api/studies/s2/profiles", headers=token["viewer"]).status_code == 404


def test_request_threads_sets_the_worker_thread_limit(seeded, monkeypatch):
    import anyio.to_thread

    from painmech.api import create_app

    async def tokens():
        return anyio.to_thread.current_default_thread_limiter().total_tokens

    application = create_app(seeded, request_threads=3)
    with TestClient(application) as c:
        assert c.portal.call(tokens) == 3
    monkeypatch.setenv("PAINMECH_THREADS", "5")
    with TestClient(create_app(seeded)) as c:
        assert c.portal.call(tokens) == 5
    monkeypatch.setenv("PAINMECH_THREADS", "many")
    with pytest.raises(ValueError, match=r"PAINMECH_THREADS must be a whole number.*'many'"):
        create_app(seeded)
    with pytest.raises(ValueError, match="request_threads must be at least 1, got 0"):
        create_app(seeded, request_threads=0)


def test_a_new_version_recomputes_only_the_changed_subjects(client, token, app, monkeypatch):
    # after each write, the cached (incremental) analysis must equal a run
    # without cache on the stored data, and compute_metrics must have seen
    # exactly the subjects the write touched
    import pandas.testing as pdt

    import painmech.measures as measures

    seen = []
    real = measures.compute_metrics

    def spying(obs, subjects, *args, **kwargs):
        seen.append(sorted(set(obs["subject"])))
        return real(obs, subjects, *args, **kwargs)

    monkeypatch.setattr(measures, "compute_metrics", spying)
    cache, owner = {}, _actor(app, "owner")
    viewer = _actor(app, "viewer")

    def check(expected_subjects):
        seen.clear()
        got = _analysis.analyse(app.state.db, viewer, "s1", cache, 3)
        assert seen == [expected_subjects]
        fresh = _analysis.analyse(app.state.db, owner, "s1", None, 3)
        for table in ("metrics", "scores", "profile"):
            pdt.assert_frame_equal(getattr(got, table), getattr(fresh, table))
        assert got.fingerprints.equals(fresh.fingerprints)
        return got

    first = _analysis.analyse(app.state.db, viewer, "s1", cache, 3)
    assert len(first.fingerprints) == len(first.subjects) == 12
    headers = token["editor"]
    # new observations of a patient
    client.post("/api/studies/s1/observations/bulk",
                json={"observations": obs_rows(3, subject="ex07", visit=9)},
                headers=headers).raise_for_status()
    check(["ex07"])
    # a corrected value of a healthy control (changes the reference for everyone)
    stored = client.get("/api/studies/s1/observations?subject=ex02", headers=headers).json()
    client.patch(f"/api/studies/s1/observations/{stored[0]['id']}",
                 json={"value": stored[0]["value"] + 1, "reason": "transcription error"},
                 headers=headers).raise_for_status()
    check(["ex02"])
    # a deleted observation and a changed condition
    client.request("DELETE", f"/api/studies/s1/observations/{stored[1]['id']}",
                   json={"reason": "duplicate entry"}, headers=token["owner"]
                   ).raise_for_status()
    check(["ex02"])
    client.patch("/api/studies/s1/subjects/ex10", json={"condition": "recurrent_lbp",
                                                         "reason": "diagnosis revised"},
                 headers=headers).raise_for_status()
    check(["ex10"])
    # a new subject with data
    client.post("/api/studies/s1/subjects", json={"subject": "ex99", "sex": "male", "age": 50,
                                                  "condition": "chronic_lbp"},
                headers=headers).raise_for_status()
    client.post("/api/studies/s1/observations/bulk",
                json={"observations": obs_rows(3, subject="ex99", visit=0)},
                headers=headers).raise_for_status()
    last = check(["ex99"])
    assert "ex99" in set(last.metrics["subject"])


def test_fingerprints_ignore_row_order_and_see_every_column():
    import pandas as pd

    subjects = pd.DataFrame({"subject": ["a", "b"], "sex": ["female", "male"],
                             "age": [30.0, 40.0], "condition": ["healthy", "healthy"]})
    obs = pd.DataFrame({"subject": ["a", "a", "b"], "visit": [0, 0, 0],
                        "measure": ["ppt", "ppt", "ppt"], "value": [300.0, 310.0, 280.0]})
    base = _analysis.fingerprints(subjects, obs)
    shuffled = _analysis.fingerprints(subjects, obs.iloc[[2, 1, 0]])
    assert base.equals(shuffled)
    changed = _analysis.fingerprints(subjects, obs.assign(value=[300.0, 310.5, 280.0]))
    assert changed["a"] != base["a"] and changed["b"] == base["b"]
    older = _analysis.fingerprints(subjects.assign(age=[30.0, 41.0]), obs)
    assert older["a"] == base["a"] and older["b"] != base["b"]
    with pytest.raises(ValueError, match="missing from the subjects table"):
        _analysis.fingerprints(subjects.iloc[:1], obs)
