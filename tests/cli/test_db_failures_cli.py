"""Database failures on the command line (issue 21, points 6 and 7).

A full disk is made for real: the command runs in a child process whose file
size limit (``RLIMIT_FSIZE``) is just above the database's size, so the
kernel refuses the writes that would grow a file beyond it (EFBIG, as on a
full disk); when the tests run as root and may mount, a 128 KiB tmpfs is
filled as well (ENOSPC). A read-only database is a file with mode 0444, or
for root (who ignores modes) an immutable file (``chattr +i``).
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from painmech import storage
from painmech.cli import app

runner = CliRunner()
SRC = Path(storage.__file__).parents[2]
PSEUDONYM = "secret-pseudonym"


def _cli(args, *, fsize: int | None = None, timeout: float = 120):
    """Run ``painmech ARGS`` in a child process, optionally with a file size limit (bytes)."""
    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a killed process
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    env = {**os.environ, "PYTHONPATH": str(SRC), "COLUMNS": "500", "PYTHONWARNINGS": "ignore"}
    env.pop("PAINMECH_AUDIT_KEY", None)
    env.pop("PAINMECH_AUDIT_KEY_FILE", None)
    return subprocess.run([sys.executable, "-c", "from painmech.cli import main; main()",
                           *map(str, args)], capture_output=True, text=True, env=env,
                          timeout=timeout, preexec_fn=limit if fsize else None)


@pytest.fixture
def study_db(tmp_path):
    """A database with study s1 and an import file of 20,000 observations of 2000 new
    subjects whose pseudonyms start with PSEUDONYM (enough rows that SQLite spills
    pages to the WAL during the INSERT: the old code then printed the statement with
    its bound values).
    """
    path = tmp_path / "study.sqlite"
    db = storage.open_database(f"sqlite:///{path}")
    with db.write() as s:
        storage.create_study(s, storage.SYSTEM, "s1", "Study one", "x" * 100_000)
    db.dispose()
    ids = [f"{PSEUDONYM}-{i:04d}" for i in range(2000)]
    pd.DataFrame({"subject": ids, "sex": "female", "age": 40, "condition": "healthy"}
                 ).to_csv(tmp_path / "subjects.csv", index=False)
    pd.DataFrame({"subject": [i for i in ids for _ in range(10)], "visit": 0,
                  "measure": "ppt", "site": "lumbar", "side": "left",
                  "trial": list(range(1, 11)) * 2000, "value": 350.5, "unit": "kPa"}
                 ).to_csv(tmp_path / "obs.csv", index=False)
    return path


def _one_clean_line(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    for leak in ("Traceback", "INSERT", "[SQL", "parameters", PSEUDONYM, "350.5"):
        assert leak not in stderr, (leak, stderr)
    return lines[0]


def _counts(path):
    db = storage.Database(f"sqlite:///{path}")
    try:
        return {k: v for k, v in storage.table_counts(db).items()
                if k in ("subjects", "observations", "imports")}
    finally:
        db.dispose()


def test_an_import_onto_a_full_disk_is_one_line_without_values(study_db, tmp_path):
    before = _counts(study_db)
    done = _cli(["db", "import", tmp_path / "obs.csv", "--subjects", tmp_path / "subjects.csv",
                 "--study", "s1", "--db", f"sqlite:///{study_db}"],
                fsize=study_db.stat().st_size + 32 * 1024)
    assert done.returncode == 1, (done.stdout, done.stderr)
    line = _one_clean_line(done.stderr)
    assert line.startswith("error: sqlite:///") and "nothing was stored" in line
    assert "disk" in line
    assert _counts(study_db) == before


@contextlib.contextmanager
def _small_tmpfs(where: Path, size: str = "128k"):
    where.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}",
                                            "tmpfs", str(where)],
                                           capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=True)


@pytest.mark.parametrize("full", ["file size limit", "small tmpfs"])
def test_a_backup_onto_a_full_disk_leaves_no_file_and_can_be_rerun(study_db, tmp_path, full):
    url = f"sqlite:///{study_db}"
    with contextlib.ExitStack() as stack:
        if full == "small tmpfs":
            folder = stack.enter_context(_small_tmpfs(tmp_path / "disk"))
            done = _cli(["db", "backup", folder / "copy.sqlite", "--db", url])
        else:
            folder = tmp_path / "backups"
            folder.mkdir()
            done = _cli(["db", "backup", folder / "copy.sqlite", "--db", url], fsize=64 * 1024)
        assert done.returncode == 1, (done.stdout, done.stderr)
        line = _one_clean_line(done.stderr)
        assert "full" in line or "disk I/O error" in line, line
        assert list(folder.iterdir()) == []  # neither the copy nor a temporary file
    # with room again the same command succeeds (a partial file would block it)
    rerun = runner.invoke(app, ["db", "backup", str(tmp_path / "copy.sqlite"), "--db", url])
    assert rerun.exit_code == 0, rerun.output
    assert _counts(tmp_path / "copy.sqlite") == _counts(study_db)


@contextlib.contextmanager
def _read_only(path: Path):
    """Make ``path`` unwritable even for root; restore it afterwards."""
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
            pytest.skip("cannot make a file immutable here")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(0o600)


def test_a_read_only_database_is_one_line(study_db, tmp_path):
    url = f"sqlite:///{study_db}"
    with _read_only(study_db):
        result = runner.invoke(app, ["db", "import", str(tmp_path / "obs.csv"), "--subjects",
                                     str(tmp_path / "subjects.csv"), "--study", "s1", "--db",
                                     url], env={"COLUMNS": "500"})
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
        line = _one_clean_line(result.output)
        assert line == f"error: {url}: the database is read-only (file or folder " \
            "permissions, or a read-only disk); nothing was stored"
        # reading still works
        listed = runner.invoke(app, ["db", "verify-audit", "--db", url])
        assert listed.exit_code == 0, listed.output


@pytest.mark.parametrize("command", [["db", "import", "obs.csv", "--study", "s1"],
                                     ["db", "migrate"], ["db", "users"],
                                     ["db", "verify-audit"], ["db", "tokens"]])
def test_a_missing_database_is_named_in_one_line_and_not_created(tmp_path, command):
    (tmp_path / "obs.csv").write_text("subject,visit,measure,site,side,trial,value,unit\n")
    missing = tmp_path / "nowhere" / "missing.sqlite"
    args = [str(tmp_path / a) if a.endswith(".csv") else a for a in command]
    result = runner.invoke(app, [*args, "--db", f"sqlite:///{missing}"],
                           env={"COLUMNS": "500"})
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    line = _one_clean_line(result.output)
    assert line == f"error: no painmech database at {missing} (create one with `painmech db " \
        "init`)"
    assert not missing.exists()


def test_engine_errors_never_carry_bound_values(tmp_path):
    db = storage.open_database(f"sqlite:///{tmp_path / 'v.sqlite'}")
    try:
        with pytest.raises(sa.exc.IntegrityError) as err, db.write() as s:
            s.execute(sa.text("INSERT INTO settings (name, value) VALUES (:n, :v)"),
                      {"n": "throttle_salt", "v": PSEUDONYM})
    finally:
        db.dispose()
    assert PSEUDONYM not in str(err.value) and "parameters hidden" in str(err.value)
    assert storage.database_error_message(err.value).startswith(
        "database error (IntegrityError): UNIQUE constraint failed")


def test_serve_on_a_read_only_or_misconfigured_database_is_one_line(study_db, tmp_path):
    url = f"sqlite:///{study_db}"
    with _read_only(study_db):  # a child process with a timeout: a server would not end
        done = _cli(["serve", "--db", url, "--port", "1"], timeout=90)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "the database is read-only" in _one_clean_line(done.stderr)
    docs = tmp_path / "no-swagger"
    docs.mkdir()
    done = _cli(["serve", "--db", url, "--port", "1", "--docs-assets", docs], timeout=90)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "no swagger-ui-bundle.js, swagger-ui.css there" in _one_clean_line(done.stderr)
