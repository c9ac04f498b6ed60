"""All-or-nothing imports: a single bad row leaves the database unchanged."""

from __future__ import annotations

import pandas as pd
import pytest

from painmech import storage

SUBJECTS = "subject,sex,age,condition\np01,female,34,chronic_lbp\np02,m,51,healthy\n"


def _obs_csv(n_rows=20, bad_row=None):
    lines = ["subject,visit,measure,site,side,trial,value,unit"]
    for i in range(n_rows):
        subject = "p01" if i % 2 == 0 else "p02"
        value = "abc" if i == bad_row else f"{300 + i}"
        lines.append(f"{subject},1,ppt,lumbar,left,{i // 2 + 1},{value},kPa")
    return "\n".join(lines) + "\n"


@pytest.fixture
def files(tmp_path):
    def write(obs_text, subj_text=SUBJECTS):
        obs = tmp_path / "obs.csv"
        obs.write_text(obs_text, encoding="utf-8")
        subj = tmp_path / "subjects.csv"
        subj.write_text(subj_text, encoding="utf-8")
        return obs, subj
    return write


def _counts(db):
    c = storage.table_counts(db)
    return {k: c[k] for k in ("subjects", "visits", "observations", "imports", "audit_log")}


def test_valid_files_are_stored_with_one_audit_entry(db, people, files):
    obs, subj = files(_obs_csv(20))
    with db.write() as s:
        result = storage.import_files(s, people["editor"], storage.get_study(s, "s1"), obs, subj)
    assert result.ok, result.problems
    assert (result.n_subjects, result.n_visits, result.n_observations) == (2, 2, 20)
    with db.read() as s:
        study = storage.get_study(s, "s1")
        table = storage.load_observations(s, people["viewer"], study)
        audit = storage.audit_frame(s, study.id)
    assert len(table) == 20 and table["value"].sum() == sum(range(300, 320))
    assert audit["action"].iloc[0] == "import"


@pytest.mark.parametrize("bad_row", [0, 13, 19])
def test_one_bad_row_rejects_the_whole_import(db, people, files, bad_row):
    obs, subj = files(_obs_csv(20, bad_row=bad_row))
    before = _counts(db)
    with db.write() as s:
        result = storage.import_files(s, people["editor"], storage.get_study(s, "s1"), obs, subj,
                                      names=("visit1.csv", "subjects.csv"))
    assert not result.ok
    assert result.problems[["file", "row", "column", "value", "reason"]].iloc[0].tolist() == [
        "visit1.csv", bad_row + 2, "value", "abc", "not a number"]
    assert _counts(db) == before


def test_one_bad_row_in_500(db, people, files):
    obs, subj = files(_obs_csv(500, bad_row=377))
    before = _counts(db)
    with db.write() as s:
        result = storage.import_files(s, people["owner"], storage.get_study(s, "s1"), obs, subj)
    assert len(result.problems) == 1 and result.problems["row"].iloc[0] == 379
    assert _counts(db) == before


def test_unparseable_file_is_a_problem_not_a_crash(db, people, tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    with db.write() as s:
        result = storage.import_files(s, people["owner"], storage.get_study(s, "s1"), path,
                                      names=("upload.xlsx",))
    assert not result.ok
    assert result.problems["file"].iloc[0] == "upload.xlsx"
    assert "Excel" in result.problems["reason"].iloc[0]
    assert str(tmp_path) not in result.problems["reason"].iloc[0]


def test_german_csv_is_imported(db, people, files):
    obs, subj = files("subject;visit;measure;site;side;trial;value;unit\n"
                      "p01;1;ppt;lumbar;links;1;312,5;kPa\np01;1;crp;;;1;1,2;mg/L\n",
                      "subject;sex;age;condition\np01;w;34,5;chronic_lbp\n")
    with db.write() as s:
        result = storage.import_files(s, people["owner"], storage.get_study(s, "s1"), obs, subj)
    assert result.ok, result.problems
    with db.read() as s:
        table = storage.load_observations(s, people["owner"], storage.get_study(s, "s1"))
        subjects = storage.load_subjects(s, people["owner"], storage.get_study(s, "s1"))
    assert table["value"].tolist() == [1.2, 312.5] and table["side"].tolist() == ["none", "left"]
    assert subjects["age"].tolist() == [34.5] and subjects["sex"].tolist() == ["female"]


def test_reimport_names_the_stored_rows_and_changes_nothing(db, people, files):
    obs, subj = files(_obs_csv(4))
    with db.write() as s:
        assert storage.import_files(s, people["owner"], storage.get_study(s, "s1"), obs, subj).ok
    before = _counts(db)
    with db.write() as s:
        result = storage.import_files(s, people["owner"], storage.get_study(s, "s1"), obs, subj)
    assert result.problems["row"].tolist() == [2, 3, 4, 5]
    assert result.problems["reason"].str.contains("already stored").all()
    assert _counts(db) == before


def test_subject_stored_with_other_data_is_a_problem(db, people, files):
    obs, subj = files(_obs_csv(2))
    with db.write() as s:
        assert storage.import_files(s, people["owner"], storage.get_study(s, "s1"), obs, subj).ok
    obs2, subj2 = files(_obs_csv(2).replace(",1,ppt", ",2,ppt"),
                        SUBJECTS.replace("p01,female,34", "p01,male,35"))
    with db.write() as s:
        result = storage.import_files(s, people["owner"], storage.get_study(s, "s1"), obs2, subj2)
    assert sorted(result.problems["column"]) == ["age", "sex"]
    assert result.problems["reason"].str.contains("stored with").all()


def test_observations_of_unknown_subjects_are_refused(db, people, files):
    obs, _ = files(_obs_csv(2))
    with db.write() as s:
        result = storage.import_files(s, people["owner"], storage.get_study(s, "s1"), obs)
    assert set(result.problems["reason"]) == {"subject has no row in the subjects table"}


def test_second_visit_of_known_subjects_needs_no_subjects_file(db, people, files):
    obs, subj = files(_obs_csv(2))
    with db.write() as s:
        assert storage.import_files(s, people["owner"], storage.get_study(s, "s1"), obs, subj).ok
    obs2, _ = files(_obs_csv(2).replace(",1,ppt", ",2,ppt"))
    with db.write() as s:
        result = storage.import_files(s, people["owner"], storage.get_study(s, "s1"), obs2)
    assert result.ok and result.n_visits == 2 and result.n_subjects == 0


def test_viewers_cannot_import(db, people, files):
    obs, subj = files(_obs_csv(2))
    with db.write() as s, pytest.raises(storage.PermissionDenied, match="may not enter"):
        storage.import_files(s, people["viewer"], storage.get_study(s, "s1"), obs, subj)


def test_studies_are_isolated(db, people, files):
    obs, subj = files(_obs_csv(2))
    with db.write() as s:
        assert storage.import_files(s, people["owner"], storage.get_study(s, "s1"), obs, subj).ok
        assert storage.import_files(s, people["outsider"], storage.get_study(s, "s2"),
                                    obs, subj).ok  # same pseudonyms, other study
    with db.read() as s:
        with pytest.raises(storage.PermissionDenied):
            storage.load_observations(s, people["owner"], storage.get_study(s, "s2"))
        assert len(storage.load_observations(s, people["outsider"],
                                             storage.get_study(s, "s2"))) == 2


def test_frames_with_dates_create_dated_visits(db, people):
    subjects = pd.DataFrame({"subject": ["p01"], "sex": ["female"], "age": [40.0],
                             "condition": ["chronic_lbp"]})
    obs = pd.DataFrame({"subject": ["p01", "p01"], "visit": [0, 1], "measure": ["ppt", "ppt"],
                        "site": ["lumbar"] * 2, "side": ["left"] * 2, "trial": [1, 1],
                        "value": [300.0, 280.0], "unit": ["kPa"] * 2,
                        "date": ["2024-01-10", "2024-03-01"]})
    with db.write() as s:
        result = storage.import_frames(s, people["owner"], storage.get_study(s, "s1"), obs,
                                       subjects)
    assert result.ok, result.problems
    with db.read() as s:
        visits = storage.list_visits(s, people["owner"], storage.get_study(s, "s1"), "p01")
    assert [str(d) for d in visits["date"]] == ["2024-01-10", "2024-03-01"]
    # loaded observations carry the visit dates with the same dtype on every
    # engine (the driver gives ISO text on SQLite and datetime.date on PostgreSQL)
    with db.read() as s:
        loaded = storage.load_observations(s, people["owner"], storage.get_study(s, "s1"),
                                           with_ids=True)
    assert loaded["date"].dtype == "datetime64[s]"
    assert loaded["date"].tolist() == [pd.Timestamp("2024-01-10"), pd.Timestamp("2024-03-01")]
    assert loaded[["visit", "trial", "id"]].dtypes.tolist() == ["int64"] * 3
    assert loaded["value"].tolist() == [300.0, 280.0] and loaded["subject"].tolist() == [
        "p01", "p01"]


def test_instrument_tables_round_trip_and_are_all_or_nothing(db, people):
    subjects = pd.DataFrame({"subject": ["p01"], "sex": ["female"], "age": [40.0],
                             "condition": ["chronic_lbp"]})
    obs = pd.DataFrame({"subject": ["p01"], "visit": [1], "measure": ["crp"], "value": [1.0],
                        "unit": ["mg/L"]})
    grid = pd.DataFrame({"subject": "p01", "visit": 1, "muscle": "multifidus",
                         "hemisphere": "left", "x_cm": [0.0, 1.0, 2.0], "y_cm": [1.0, 1.0, 1.0],
                         "stimulus": [1, 1, 1], "mep_uv": [50.0, 120.5, 80.0]})
    with db.write() as s:
        study = storage.get_study(s, "s1")
        assert storage.import_frames(s, people["owner"], study, obs, subjects).ok
        bad = grid.assign(mep_uv=["50", "x", "80"])
        result = storage.import_instrument(s, people["owner"], study, "tms_grid", bad)
        assert result.problems[["row", "column", "reason"]].values.tolist() == [
            [3, "mep_uv", "not a number"]]
        assert storage.import_instrument(s, people["owner"], study, "tms_grid", grid).ok
        again = storage.import_instrument(s, people["owner"], study, "tms_grid", grid)
        assert "stored already" in again.problems["reason"].iloc[0]
    with db.read() as s:
        back = storage.load_instrument(s, people["viewer"], storage.get_study(s, "s1"),
                                       "tms_grid")
    pd.testing.assert_frame_equal(back, grid.astype({"visit": "int64", "stimulus": "float64"}),
                                  check_dtype=False)


def test_zip_bomb_workbooks_are_refused_unopened(db, people, tmp_path):
    import zipfile

    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (20 * 1024 * 1024))
    with db.write() as s:
        result = storage.import_files(s, people["owner"], storage.get_study(s, "s1"), path,
                                      names=("bomb.xlsx",))
    assert not result.ok and "zip bomb" in result.problems["reason"].iloc[0]
