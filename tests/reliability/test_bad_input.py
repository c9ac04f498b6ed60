"""Bad input of every class is refused as a whole, with the problem named, and the
database stays unchanged -- through the storage import, the API upload and the CLI.

Each case is a file as a user might send it; the expected problem (row, column,
reason) is what the registry rules say for it (painmech.registry.validate_*),
the row being the spreadsheet row (header = row 1). "Unchanged" means every
table has the same number of rows and the same content checksum
(:func:`relhelpers.fingerprint`) before and after.
"""

from __future__ import annotations

import io
import re
import zipfile

import pandas as pd
import pytest
from relhelpers import fingerprint, record_figures
from typer.testing import CliRunner

from painmech import storage
from painmech.cli import app as cli_app

HEADER = "subject,visit,measure,site,side,trial,value,unit"


def _csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def _good_rows(n: int, visit: int = 7) -> list[str]:
    return [f"ex{(i % 12) + 1:02d},{visit},ppt,lumbar,left,{i // 12 + 1},{300 + i},kPa"
            for i in range(n)]


def _xlsx(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.to_excel(buf, index=False, engine="openpyxl")
    return buf.getvalue()


def _good_frame(n: int = 40) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(_csv(*_good_rows(n))), dtype=str)


def _parquet(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


def _zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (64 * 1024 * 1024))
    return buf.getvalue()


def _not_a_workbook() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("hello.txt", "a zip file, but no workbook inside")
    return buf.getvalue()


def _bad_cell_xlsx() -> bytes:
    frame = _good_frame(10)
    frame.loc[3, "value"] = "abc"  # spreadsheet row 5
    return _xlsx(frame)


_GOOD = _csv(*_good_rows(24))
_BAD_500 = _good_rows(500)
_BAD_500[377] = _BAD_500[377].rsplit(",", 2)[0] + ",12x,kPa"

# name: (file name, bytes, expected row, expected column, reason pattern)
CASES = {
    "non_numeric": ("obs.csv", _csv("ex01,7,ppt,lumbar,left,1,abc,kPa"), 2, "value",
                    r"^not a number$"),
    "nan": ("obs.csv", _csv("ex01,7,ppt,lumbar,left,1,NaN,kPa"), 2, "value", r"NaN value"),
    "inf": ("obs.csv", _csv("ex01,7,ppt,lumbar,left,1,-inf,kPa"), 2, "value",
            r"infinite value"),
    "out_of_range_low": ("obs.csv", _csv("ex01,7,ppt,lumbar,left,1,-5,kPa"), 2, "value",
                         r"outside hard limits \(0, 2000\] kPa"),
    "out_of_range_high": ("obs.csv", _csv("ex01,7,pain_intensity,none,none,1,11,nrs10"), 2,
                          "value", r"outside hard limits"),
    "wrong_unit": ("obs.csv", _csv("ex01,7,ppt,lumbar,left,1,300,mg/L"), 2, "unit",
                   r"not convertible to kPa"),
    "missing_unit": ("obs.csv", _csv("ex01,7,ppt,lumbar,left,1,300,"), 2, "unit",
                     r"unknown unit"),
    "german_decimal_in_english_file": (
        "obs.csv", _csv("ex01,7,ppt,lumbar,left,1,300.5,kPa",
                        'ex01,7,ppt,lumbar,left,2,"312,5",kPa'), 3, "value",
        r"both ',' and '\.'"),
    "english_decimal_in_german_file": (
        "obs.csv", _csv("ex01;7;ppt;lumbar;left;1;300,5;kPa", "ex01;7;ppt;lumbar;left;2;312.5;kPa",
                        header=HEADER.replace(",", ";")), 3, "value", r"both ',' and '\.'"),
    "duplicate_key": ("obs.csv", _csv("ex01,7,ppt,lumbar,left,1,300,kPa",
                                      "ex01,7,ppt,lumbar,left,1,301,kPa"), 3, "subject",
                      r"duplicate key .* of row 2"),
    "unknown_measure": ("obs.csv", _csv("ex01,7,pptx,lumbar,left,1,300,kPa"), 2, "measure",
                        r"unknown measure; did you mean ppt"),
    "identifier_column": ("obs.csv", _csv("ex01,7,ppt,lumbar,left,1,300,kPa,Anna Muster",
                                          header=HEADER + ",name"), 1, "name",
                          r"direct identifier"),
    "email_as_pseudonym": ("obs.csv", _csv("anna@example.org,7,ppt,lumbar,left,1,300,kPa"), 2,
                           "subject", r"e-mail"),
    "one_bad_row_in_500": ("obs.csv", _csv(*_BAD_500), 379, "value", r"^not a number$"),
    "missing_column": ("obs.csv", b"subject,visit,measure,value\nex01,7,ppt,300\n", 1, "unit",
                       r"required column is missing"),
    "empty_file": ("obs.csv", b"", 1, "", r"empty"),
    "binary_garbage_csv": ("obs.csv", bytes(range(256)) * 4, 1, "", r"separator|parse|header"),
    "malformed_excel": ("obs.xlsx", b"PK\x03\x04 this is not a workbook" * 10, 1, "",
                        r"cannot read as Excel"),
    "zip_not_a_workbook": ("obs.xlsx", _not_a_workbook(), 1, "", r"cannot read as Excel"),
    "zip_bomb_excel": ("obs.xlsx", _zip_bomb(), 1, "", r"zip bomb"),
    "truncated_excel": ("obs.xlsx", _xlsx(_good_frame())[:3000], 1, "",
                        r"cannot read as Excel"),
    "bad_cell_in_excel": ("obs.xlsx", _bad_cell_xlsx(), 5, "value", r"^not a number$"),
    "truncated_parquet": ("obs.parquet", _parquet(_good_frame())[:-200], 1, "",
                          r"cannot read as Parquet"),
}


def _check(problems: list[dict], file: str, row: int, column: str, reason: str) -> None:
    assert problems, "no problem reported"
    first = problems[0]
    assert first["file"] == file, problems[:3]
    assert int(first["row"]) == row, problems[:3]
    assert first["column"] == column, problems[:3]
    assert re.search(reason, first["reason"]), problems[:3]
    # the problem never leaks the server-side temporary path
    assert "/tmp" not in first["reason"] and "painmech-upload" not in first["reason"]


def _truncated_csv_expectation():
    # the last row "ex12,7,ppt,lumbar,left,2,323,kPa" cut 6 bytes before the end keeps
    # "ex12,7,ppt,lumbar,left,2,32": the unit is gone, in spreadsheet row 25 (24 rows +
    # header, counted by hand)
    cut = _GOOD[:-6].decode().splitlines()[-1]
    assert cut == "ex12,7,ppt,lumbar,left,2,32", cut
    return 25, "unit", r"unknown unit"


CASES["truncated_csv"] = ("obs.csv", _GOOD[:-6], *_truncated_csv_expectation())
CHANNELS = ["storage", "api", "cli"]


@pytest.fixture
def stats():
    return {}


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("case", list(CASES))
def test_bad_file_is_refused_whole_and_named(case, channel, app, client, token, seeded,
                                             tmp_path):
    name, content, row, column, reason = CASES[case]
    path = tmp_path / name
    path.write_bytes(content)
    db = app.state.db
    before = fingerprint(db)
    if channel == "storage":
        with db.write() as s:
            result = storage.import_files(s, storage.SYSTEM, storage.get_study(s, "s1"), path,
                                          names=(name,))
        assert not result.ok
        _check(result.problems.astype({"row": "int64"}).to_dict("records"), name, row, column,
               reason)
    elif channel == "api":
        response = client.post("/api/studies/s1/imports", headers=token["editor"],
                               files={"observations": (name, content, "text/csv")})
        assert response.status_code == 422, response.text
        body = response.json()["error"]
        assert body["code"] == "validation_failed"
        _check(body["problems"], name, row, column, reason)
    else:
        result = CliRunner().invoke(cli_app, ["db", "import", str(path), "--study", "s1",
                                              "--db", seeded], env={"COLUMNS": "400"})
        assert result.exit_code == 1, result.output
        assert "nothing was stored" in result.output
        assert re.search(reason.strip("^$"), result.output.replace("\n", " ")), result.output
    assert fingerprint(db) == before


def test_every_class_has_a_case_and_a_good_file_goes_through(app, client, token, seeded,
                                                             tmp_path):
    """The same channels accept a clean file, so the refusals above are about content."""
    db = app.state.db
    response = client.post("/api/studies/s1/imports", headers=token["editor"],
                           files={"observations": ("good.csv", _GOOD, "text/csv")})
    assert response.status_code == 201, response.text
    path = tmp_path / "good2.csv"
    path.write_bytes(_csv(*_good_rows(24, visit=8)))
    result = CliRunner().invoke(cli_app, ["db", "import", str(path), "--study", "s1", "--db",
                                          seeded], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    counts = {k: v[0] for k, v in fingerprint(db).items()}
    record_figures("bad_input", classes=len(CASES), channels=len(CHANNELS),
                   refusals_checked=len(CASES) * len(CHANNELS),
                   engine=db.url.get_backend_name(), observations_after_good=counts[
                       "observations"])
