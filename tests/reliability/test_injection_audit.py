"""Injection (SQL, HTML/script in pages and PDF reports, CSV formulas, URLs in reports,
path traversal) and audit-log tampering.
"""

from __future__ import annotations

import http.server
import io
import shutil
import sqlite3
import subprocess
import threading

import pandas as pd
import pytest
import sqlalchemy as sa
from apihelpers import PASSWORDS
from relhelpers import fingerprint, record_figures
from typer.testing import CliRunner

from painmech import storage
from painmech.cli import app as cli_app

SQL = ["x'; DROP TABLE observations; --", 'y" OR "1"="1', "z%_\\", "w') UNION SELECT 1 --"]
SCRIPT = "<script>alert(1)</script>"
#: markup without "/" for pseudonyms: a pseudonym holding "/" is refused at import
#: (it could not be addressed in one URL path segment)
SCRIPT_PATH = "<img src=x onerror=alert(1)>"
SCRIPT_SVG = "<svg onload=alert(2)>"


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def spy_server():
    """A local HTTP server on 127.0.0.1 that records every request it gets."""
    _Recorder.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.hits
    server.shutdown()
    server.server_close()


def _copy_subject(app, pseudonym, source="ex07", group=None):
    """A new subject with the observations of ``source`` (so it has metrics and a report)."""
    with app.state.db.write() as s:
        study = storage.get_study(s, "s1")
        subj = storage.load_subjects(s, storage.SYSTEM, study, [source]).assign(
            subject=pseudonym, group=group or "")
        obs = storage.load_observations(s, storage.SYSTEM, study, subjects=[source]).assign(
            subject=pseudonym).drop(columns=["date"])
        result = storage.import_frames(s, storage.SYSTEM, study, obs, subj)
        assert result.ok, result.problems


def test_sql_metacharacters_in_every_text_field_are_stored_literally(app, client, token):
    headers = token["owner"]
    before = {k: v[0] for k, v in fingerprint(app.state.db).items()}
    for i, text in enumerate(SQL):
        code = f"inj{i}"
        assert client.post("/api/studies", headers=headers, json={
            "code": code, "title": text, "description": text}).status_code == 201
        assert client.post(f"/api/studies/{code}/subjects", headers=headers, json={
            "subject": text, "sex": "f", "age": 30, "condition": "healthy",
            "group": text[:64]}).status_code == 201
        got = client.get(f"/api/studies/{code}/subjects", params={"q": text[:64]},
                         headers=headers).json()
        assert [g["subject"] for g in got] == [text]
        assert client.get(f"/api/studies/{code}", headers=headers).json()["title"] == text
        assert client.patch(f"/api/studies/{code}/subjects/{text}", headers=headers, json={
            "age": 31, "reason": text}).status_code == 200
        assert client.post("/api/auth/login", json={"username": text[:64],
                                                    "password": text}).status_code == 401
    # a LIKE wildcard searches for itself, not for everything
    assert [g["subject"] for g in client.get("/api/studies/s1/subjects", params={"q": "%"},
                                             headers=headers).json()] == []
    after = {k: v[0] for k, v in fingerprint(app.state.db).items()}
    assert after["observations"] == before["observations"] and after["subjects"] == \
        before["subjects"] + len(SQL)
    record_figures("sql_injection", payloads=len(SQL),
                   fields=["study title", "description", "pseudonym", "group", "search",
                           "reason", "login user name"], tables_intact=True)


def test_script_in_free_text_is_escaped_in_pages_and_literal_in_pdf(app, client, token):
    _copy_subject(app, SCRIPT_PATH, group="<b>grp</b>")
    _copy_subject(app, SCRIPT_SVG, source="ex08")
    with app.state.db.write() as s:
        storage.create_study(s, storage.SYSTEM, "xss", f"{SCRIPT} title", SCRIPT)
        storage.set_role(s, storage.SYSTEM, storage.get_study(s, "xss"), "owner", "owner")
    client.post("/api/auth/login", json={"username": "owner", "password": PASSWORDS["owner"]})
    pages = ["/", "/studies/s1", "/studies/xss", f"/studies/s1/subjects/{SCRIPT_PATH}",
             f"/studies/s1/subjects/{SCRIPT_PATH}/profile", "/studies/s1?q=" + SCRIPT]
    for url in pages:
        page = client.get(url)
        assert page.status_code == 200, url
        for raw in (SCRIPT, SCRIPT_PATH, SCRIPT_SVG, "<b>grp</b>"):
            assert raw not in page.text, (url, raw)
    assert "&lt;svg onload=alert(2)&gt;" in client.get("/studies/s1").text
    html = client.get(f"/api/studies/s1/subjects/{SCRIPT_PATH}/report?format=html",
                      headers=token["owner"]).text
    assert SCRIPT_PATH not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    pdf = client.get(f"/api/studies/s1/subjects/{SCRIPT_PATH}/report?format=pdf",
                     headers=token["owner"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.content, capture_output=True,
                          check=True).stdout.decode()
    assert SCRIPT_PATH in text.replace("\n", "")
    record_figures("html_pdf_injection", pages_checked=len(pages) + 1, pdf_literal=True)


def test_csv_export_neutralises_formulas_in_text_only(app, client, token):
    risky = ["=1+1", "+SUM(A1)", "-cmd|' /C calc'!A0", "@SUM(1)", "\tTAB", "\rCR"]
    with app.state.db.write() as s:
        study = storage.get_study(s, "s1")
        for i, text in enumerate(risky):
            storage.add_subject(s, storage.SYSTEM, study, f"f{i}", "female", 30, "healthy",
                                group=text)
        storage.add_subject(s, storage.SYSTEM, study, "neg", "female", 30, "healthy",
                            group="-2.5")
    csv = client.get("/api/studies/s1/export?table=subjects", headers=token["editor"]).text
    table = pd.read_csv(io.StringIO(csv), dtype=str, keep_default_na=False)
    groups = dict(zip(table["subject"], table["group"], strict=True))
    for i in range(len(risky)):  # stored stripped of tab/CR, or exported with a '
        assert not groups[f"f{i}"].startswith(("=", "+", "-", "@", "\t", "\r")), groups[f"f{i}"]
    assert groups["neg"] == "-2.5"
    obs = client.get("/api/studies/s1/export", headers=token["editor"]).text
    assert not any(line.split(",")[6].startswith("'") for line in obs.splitlines()[1:])
    frame = pd.DataFrame({"a": ["=x", "-3.5", "plain", None], "b": [-1.0, 2.0, -3.0, 4.0]})
    safe = storage.csv_safe(frame)
    assert safe["a"].tolist()[:3] == ["'=x", "-3.5", "plain"] and safe["b"].tolist() == [
        -1.0, 2.0, -3.0, 4.0]
    record_figures("csv_formula_injection", risky_prefixes=len(risky), neutralised=len(risky),
                   negative_numbers_kept=True)


def test_report_renderer_fetches_nothing(spy_server, tmp_path):
    base, hits = spy_server
    from painmech.report._pdf import URLRefusedError, html_to_pdf

    for ref in (f'<img src="{base}/img.png">', f'<link rel="stylesheet" href="{base}/a.css">',
                '<img src="file:///etc/passwd">', f"<style>@import '{base}/b.css';</style>",
                f'<div style="background: url({base}/bg.png)">x</div>'):
        with pytest.raises(URLRefusedError):
            html_to_pdf(f"<html><body>{ref}</body></html>")
    from painmech.datasets import dataset_path

    subj, obs = dataset_path("example")
    # a pseudonym holding a URL is refused when read (it holds '/'); markup
    # without '/' is accepted and must reach the report escaped
    for evil, code in ((f"<img src='{base}/p'>", 1), ("<img src=p onerror=alert(1)>", 0)):
        folder = tmp_path / f"data{code}"
        folder.mkdir()
        for src in (subj, obs):
            (folder / src.name).write_text(src.read_text().replace("ex07", evil))
        for fmt in ("pdf", "html"):
            result = CliRunner().invoke(cli_app, [
                "report", str(folder / obs.name), "--subjects", str(folder / subj.name),
                "--subject", evil, "--min-n", "5", "-o", str(tmp_path / f"r{code}.{fmt}")],
                env={"COLUMNS": "200"})
            assert result.exit_code == code, result.output
    assert not (tmp_path / "r1.html").exists()
    assert evil not in (tmp_path / "r0.html").read_text()
    assert "&lt;img src=p onerror=alert(1)&gt;" in (tmp_path / "r0.html").read_text()
    assert hits == []
    record_figures("report_url_fetching", references_tried=7, http_hits=len(hits))


def test_path_traversal_in_file_names(app, client, token, tmp_path, monkeypatch):
    # an uploaded file name never becomes a path
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "escaped.csv"
    response = client.post("/api/studies/s1/imports", headers=token["editor"], files={
        "observations": (f"../../../../{tmp_path.name}/escaped.csv", b"subject\n",
                         "text/csv")})
    assert response.status_code == 422 and not target.exists()
    assert ".." not in response.json()["error"]["problems"][0]["file"]
    # CLI file arguments that point nowhere or into directories are named, not crashes
    runner = CliRunner()
    for arg in ("../../../../nonexistent/obs.csv", str(tmp_path), "/etc/../etc/passwd"):
        result = runner.invoke(cli_app, ["validate", arg], env={"COLUMNS": "200"})
        assert result.exit_code == 1 and result.exception is None or isinstance(
            result.exception, SystemExit), result.output
    # data never names an output path: a pseudonym with ../ writes nothing anywhere
    obs = tmp_path / "obs.csv"
    subj = tmp_path / "subj.csv"
    subj.write_text("subject,sex,age,condition\n../../evil,female,30,healthy\n")
    obs.write_text("subject,visit,measure,site,side,trial,value,unit\n"
                   "../../evil,0,ppt,lumbar,left,1,300,kPa\n")
    out = tmp_path / "out"
    out.mkdir()
    result = runner.invoke(cli_app, ["export", "bids", "-o", str(out / "bids"),
                                     "--observations", str(obs), "--subjects", str(subj)],
                           env={"COLUMNS": "200"})
    # refused when read (a pseudonym may not hold '/'), before any output path exists
    assert result.exit_code == 1 and "nothing was written" in result.output
    written = {p for p in tmp_path.rglob("*") if p.is_file()
               and not p.name.startswith("api.sqlite")} - {obs, subj}
    assert all(out in p.parents for p in written), written
    assert not (tmp_path.parent / "evil").exists()
    record_figures("path_traversal", upload_names=1, cli_arguments=3,
                   files_outside_output=sum(out not in p.parents for p in written))


def _tamper(path, sql_statements):
    con = sqlite3.connect(path)
    con.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    con.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    for stmt in sql_statements:
        con.execute(stmt)
    con.commit()
    con.close()


@pytest.mark.parametrize("template", ["sqlite"], indirect=True)
def test_every_mutation_is_audited_and_tampering_is_detected(app, client, token, seeded,
                                                             tmp_path):
    from painmech.storage._models import AuditEntry

    db = app.state.db

    def n_audit():
        with db.read() as s:
            return s.execute(sa.select(sa.func.count()).select_from(AuditEntry)).scalar()

    h = token["owner"]
    obs_id = client.get("/api/studies/s1/observations?subject=ex01&measure=crp",
                        headers=h).json()[0]["id"]
    mutations = [
        ("POST", "/api/studies", {"code": "a1", "title": "t"}),
        ("POST", "/api/studies/s1/subjects", {"subject": "n1", "sex": "f", "age": 30,
                                              "condition": "healthy"}),
        ("PATCH", "/api/studies/s1/subjects/n1", {"age": 31, "reason": "typo fix"}),
        ("POST", "/api/studies/s1/subjects/n1/visits", {"visit": 0}),
        ("POST", "/api/studies/s1/observations", {"subject": "n1", "visit": 0,
                                                  "measure": "crp", "value": 1.0,
                                                  "unit": "mg/L"}),
        ("PATCH", f"/api/studies/s1/observations/{obs_id}", {"value": 2.0,
                                                              "reason": "lab resent"}),
        ("DELETE", f"/api/studies/s1/observations/{obs_id}", {"reason": "duplicate"}),
        ("DELETE", "/api/studies/s1/subjects/n1/visits/0", {"reason": "wrong visit"}),
        ("DELETE", "/api/studies/s1/subjects/n1", {"reason": "consent withdrawn"}),
        ("PUT", "/api/studies/s1/members", {"username": "outsider", "role": "viewer"}),
        ("POST", "/api/auth/tokens", {"name": "x"}),
        ("GET", "/api/studies/s1/export", None),
        ("DELETE", "/api/studies/a1", {"reason": "test study"}),
    ]
    for method, url, body in mutations:
        before = n_audit()
        response = client.request(method, url, headers=h, **({"json": body} if body else {}))
        assert response.status_code < 300, (url, response.text)
        assert n_audit() == before + 1, (method, url)
    runner = CliRunner()
    path = seeded.removeprefix("sqlite:///")
    result = runner.invoke(cli_app, ["db", "verify-audit", "--db", seeded])
    assert result.exit_code == 0, result.output
    head = result.output.split("head")[-1].strip()
    with db.read() as s:
        n = s.execute(sa.select(sa.func.max(AuditEntry.id))).scalar()
    db.dispose()
    attacks = {
        "update": [f"UPDATE audit_log SET reason = 'nothing' WHERE id = {n // 2}"],
        "delete_middle": [f"DELETE FROM audit_log WHERE id = {n // 2}"],
        "insert_forged": ["INSERT INTO audit_log (id, ts, actor, action, entity, entity_id, "
                          "old, new, reason, prev_hash, hash) SELECT max(id) + 1, ts, actor, "
                          "action, entity, entity_id, old, new, reason, 'f' || prev_hash, "
                          "'e' || hash FROM audit_log"],
        "delete_last": [f"DELETE FROM audit_log WHERE id = {n}"],
    }
    detected = {}
    for name, statements in attacks.items():
        copy = tmp_path / f"{name}.sqlite"
        shutil.copyfile(path, copy)
        _tamper(copy, statements)
        args = ["db", "verify-audit", "--db", f"sqlite:///{copy}", "--expect-head", head]
        result = runner.invoke(cli_app, args, env={"COLUMNS": "200"})
        detected[name] = result.exit_code == 1 and "NOT intact" in result.output
    assert all(detected.values()), detected
    record_figures("audit", mutations=len(mutations), audited=len(mutations),
                   tampering_attacks=len(attacks), detected=sum(detected.values()))
