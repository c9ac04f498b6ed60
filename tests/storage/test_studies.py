"""Subjects, visits and stored values: reasons, soft deletes, audit entries."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import sqlalchemy as sa

from painmech import storage
from painmech.exceptions import ValidationError
from painmech.storage._models import Observation, Subject


@pytest.fixture
def filled(db, people):
    subjects = pd.DataFrame({"subject": ["p01", "p02", "x_%"], "sex": ["female", "male", "other"],
                             "age": [40.0, 50.0, 60.0],
                             "condition": ["chronic_lbp", "healthy", "neck_pain"]})
    obs = pd.DataFrame({"subject": ["p01", "p01", "p02"], "visit": [1, 2, 1],
                        "measure": ["ppt"] * 3, "site": ["lumbar"] * 3, "side": ["left"] * 3,
                        "trial": [1, 1, 1], "value": [3.0, 2.5, 4.0], "unit": ["kg/cm2"] * 3})
    with db.write() as s:
        assert storage.import_frames(s, people["owner"], storage.get_study(s, "s1"), obs,
                                     subjects).ok
    return people


def _ids(db, actor):
    with db.read() as s:
        return storage.load_observations(s, actor, storage.get_study(s, "s1"), with_ids=True)


def test_add_subject_validates_like_a_file(db, people):
    with db.write() as s:
        study = storage.get_study(s, "s1")
        with pytest.raises(ValidationError, match="unknown condition"):
            storage.add_subject(s, people["editor"], study, "p9", "female", 30, "migraine")
        with pytest.raises(ValidationError, match="e-mail"):
            storage.add_subject(s, people["editor"], study, "anna@example.org", "f", 30,
                                "healthy")
        row = storage.add_subject(s, people["editor"], study, "p9", "w", "30,5".replace(",", "."),
                                  "healthy")
        assert (row.sex, row.age) == ("female", 30.5)
        with pytest.raises(storage.Conflict, match="exists already"):
            storage.add_subject(s, people["editor"], study, "p9", "female", 30, "healthy")
        assert row.date_shift_days != 0 and abs(row.date_shift_days) <= 180


def test_search_treats_like_wildcards_as_text(db, filled):
    with db.read() as s:
        study = storage.get_study(s, "s1")
        assert storage.list_subjects(s, filled["viewer"], study, "%")["subject"].tolist() == [
            "x_%"]
        assert storage.list_subjects(s, filled["viewer"], study, "P0")["subject"].tolist() == [
            "p01", "p02"]
        assert storage.list_subjects(s, filled["viewer"], study, "healthy")["subject"].tolist(
        ) == ["p02"]
        listed = storage.list_subjects(s, filled["viewer"], study)
    assert listed.set_index("subject").loc["p01", ["n_visits", "last_visit"]].tolist() == [2, 2]


def test_changing_a_value_needs_a_reason_and_is_audited(db, filled):
    obs_id = int(_ids(db, filled["owner"])["id"].iloc[0])
    with db.write() as s, pytest.raises(storage.ReasonRequired, match="reason"):
        storage.update_observation(s, filled["editor"], storage.get_study(s, "s1"), obs_id,
                                   "2.8", reason=" ")
    with db.write() as s:
        storage.update_observation(s, filled["editor"], storage.get_study(s, "s1"), obs_id,
                                   "2.8", reason="transcription error")
    with db.read() as s:
        obs = s.get(Observation, obs_id)
        entry = storage.audit_frame(s).iloc[0]
    # 1 kg/cm² = 98.0665 kPa (standard gravity, registry conversion)
    assert obs.value == pytest.approx(2.8 * 98.0665) and obs.value_raw == 2.8
    assert entry["action"] == "update" and entry["reason"] == "transcription error"
    assert json.loads(entry["old"])["value_raw"] == 3.0
    assert json.loads(entry["new"])["value_raw"] == 2.8


def test_changed_values_are_validated(db, filled):
    obs_id = int(_ids(db, filled["owner"])["id"].iloc[0])
    with db.write() as s, pytest.raises(ValidationError, match="outside hard limits"):
        storage.update_observation(s, filled["owner"], storage.get_study(s, "s1"), obs_id,
                                   "-5", "kPa", reason="re-measured")
    with db.write() as s, pytest.raises(storage.PermissionDenied):
        storage.update_observation(s, filled["viewer"], storage.get_study(s, "s1"), obs_id,
                                   "250", "kPa", reason="re-measured")


def test_deletes_are_soft_owner_only_and_audited(db, filled):
    obs_id = int(_ids(db, filled["owner"])["id"].iloc[0])
    with db.write() as s, pytest.raises(storage.PermissionDenied, match="may not delete"):
        storage.delete_observation(s, filled["editor"], storage.get_study(s, "s1"), obs_id,
                                   reason="duplicate")
    with db.write() as s:
        storage.delete_observation(s, filled["owner"], storage.get_study(s, "s1"), obs_id,
                                   reason="duplicate entry")
    assert obs_id not in _ids(db, filled["owner"])["id"].tolist()
    with db.read() as s:
        assert s.get(Observation, obs_id).deleted_at is not None  # still there, marked
    with db.write() as s:
        storage.delete_subject(s, filled["owner"], storage.get_study(s, "s1"), "p01",
                               reason="consent withdrawn")
        study = storage.get_study(s, "s1")
        with pytest.raises(storage.NotFound):
            storage.get_subject(s, study, "p01")
        # the pseudonym can be used again after a soft delete
        storage.add_subject(s, filled["owner"], study, "p01", "female", 41, "chronic_lbp")
    with db.read() as s:
        n = s.execute(sa.select(sa.func.count()).select_from(Subject)
                      .where(Subject.pseudonym == "p01")).scalar()
        actions = storage.audit_frame(s)["action"].head(3).tolist()
    assert n == 2 and actions == ["create", "delete", "delete"]


def test_update_subject(db, filled):
    with db.write() as s:
        study = storage.get_study(s, "s1")
        with pytest.raises(ValueError, match="never renamed"):
            storage.update_subject(s, filled["editor"], study, "p01", {"subject": "p99"},
                                   reason="rename")
        row = storage.update_subject(s, filled["editor"], study, "p01", {"age": 41},
                                     reason="birthday check")
        assert row.age == 41.0


def test_visits(db, filled):
    with db.write() as s:
        study = storage.get_study(s, "s1")
        storage.add_visit(s, filled["editor"], study, "p02", 5)
        with pytest.raises(storage.Conflict):
            storage.add_visit(s, filled["editor"], study, "p02", 5)
        storage.delete_visit(s, filled["owner"], study, "p01", 2, reason="wrong patient")
    with db.read() as s:
        study = storage.get_study(s, "s1")
        assert storage.list_visits(s, filled["viewer"], study, "p02")["visit"].tolist() == [1, 5]
        assert storage.list_visits(s, filled["viewer"], study, "p01")["visit"].tolist() == [1]


def test_export_modes(db, filled):
    with db.write() as s:
        study = storage.get_study(s, "s1")
        for subject, visit, day in (("p01", 1, "2024-01-01"), ("p01", 2, "2024-02-15")):
            storage.get_visit(s, study, subject, visit).date = pd.Timestamp(day).date()
    with db.write() as s:
        study = storage.get_study(s, "s1")
        with pytest.raises(storage.PermissionDenied):
            storage.export_observations(s, filled["viewer"], study)
        _, plain = storage.export_observations(s, filled["editor"], study, "pseudonymised")
        _, shifted = storage.export_observations(s, filled["editor"], study, "shifted_dates")
        subj, anon = storage.export_observations(s, filled["editor"], study, "anonymised")
    p01 = plain["subject"].eq("p01")
    shift = shifted.loc[p01, "date"] - plain.loc[p01, "date"]
    assert shift.nunique() == 1 and shift.iloc[0] != pd.Timedelta(0)  # one shift per subject
    assert (shifted.loc[p01, "date"].diff().iloc[1] == pd.Timedelta(days=45))  # intervals kept
    assert "date" not in anon and set(anon["subject"]) <= set(subj["subject"])
    assert not set(anon["subject"]) & {"p01", "p02"}
    with db.read() as s:
        assert storage.audit_frame(s)["action"].head(3).tolist() == ["export"] * 3


def test_csv_safe_neutralises_formulas_but_not_numbers():
    frame = pd.DataFrame({"text": ["=1+1", "-3.5", "+cmd|' /C calc'!A0", "@SUM(A1)", "plain"],
                          "num": [-1.0, -2.0, 3.0, 4.0, 5.0]})
    safe = storage.csv_safe(frame)
    assert safe["text"].tolist() == ["'=1+1", "-3.5", "'+cmd|' /C calc'!A0", "'@SUM(A1)",
                                     "plain"]
    assert safe["num"].tolist() == [-1.0, -2.0, 3.0, 4.0, 5.0]
