"""The hash-chained audit log: every change leaves an entry; tampering is found."""

from __future__ import annotations

import hashlib
import json
import threading

import pytest
import sqlalchemy as sa

from painmech import storage
from painmech.storage._models import AuditEntry


def _entries(db, n=5):
    with db.write() as s:
        for i in range(n):
            storage.record(s, storage.SYSTEM, "create", "probe", i, new={"i": i, "x": 1.5})


def test_chain_links_each_entry_to_the_previous_one(db):
    _entries(db, 3)
    with db.read() as s:
        rows = s.execute(sa.select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
    assert rows[0].prev_hash == storage.GENESIS
    for before, after in zip(rows, rows[1:], strict=False):
        assert after.prev_hash == before.hash
    # recompute the first hash by hand: sha256(prev_hash + canonical JSON of the fields)
    first = rows[0]
    payload = json.dumps({"action": "create", "actor": "system", "entity": "probe",
                          "entity_id": "0", "new": '{"i":0,"x":1.5}', "old": "null",
                          "reason": "", "study_id": None, "ts": first.ts, "user_id": None},
                         sort_keys=True, separators=(",", ":"))
    assert first.hash == hashlib.sha256((storage.GENESIS + payload).encode()).hexdigest()


def test_verify_passes_on_an_intact_log(db):
    _entries(db)
    with db.read() as s:
        report = storage.verify_audit(s)
    assert report.ok and report.n_entries == 5 and report.problems.empty


def test_database_refuses_to_update_or_delete_audit_entries(db):
    _entries(db, 2)
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.write() as s:
        s.execute(sa.text("UPDATE audit_log SET reason = 'x'"))
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.write() as s:
        s.execute(sa.text("DELETE FROM audit_log"))


@pytest.mark.parametrize("tamper, expected", [
    ("UPDATE audit_log SET new = 'null' WHERE id = 3", "hash mismatch"),
    ("UPDATE audit_log SET actor = 'mallory' WHERE id = 2", "hash mismatch"),
    ("DELETE FROM audit_log WHERE id = 3", "link broken"),
])
def test_tampering_is_detected(db, tamper, expected, drop_audit_protection):
    _entries(db)
    drop_audit_protection(db)
    with db.write() as s:
        s.connection().exec_driver_sql(tamper)
    with db.read() as s:
        report = storage.verify_audit(s)
    assert not report.ok
    assert report.problems["problem"].str.contains(expected).any()


def test_rewritten_hashes_still_break_the_link_to_the_next_entry(db, drop_audit_protection):
    _entries(db)
    drop_audit_protection(db)
    with db.write() as s:  # attacker edits entry 2 and recomputes its own hash
        entry = s.get(AuditEntry, 2)
        entry.reason = "forged"
        entry.hash = storage._audit._chain_hash(entry.prev_hash, entry)
    with db.read() as s:
        report = storage.verify_audit(s)
    assert report.problems["id"].tolist() == [3]
    assert "link broken" in report.problems["problem"].iloc[0]


def test_truncation_at_the_end_is_caught_with_the_recorded_head(db, drop_audit_protection):
    _entries(db)
    with db.read() as s:
        head = storage.verify_audit(s).head
    drop_audit_protection(db)
    with db.write() as s:
        s.execute(sa.text("DELETE FROM audit_log WHERE id = 5"))
    with db.read() as s:
        assert storage.verify_audit(s).ok  # a shorter chain is still a valid chain ...
        report = storage.verify_audit(s, expect_head=head)  # ... but not the recorded one
    assert not report.ok
    assert "expected head" in report.problems["problem"].iloc[0]


def test_entries_roll_back_with_their_change(db):
    with pytest.raises(RuntimeError, match="boom"), db.write() as s:
        storage.create_study(s, storage.SYSTEM, "rb", "Rolled back")
        raise RuntimeError("boom")
    with db.read() as s:
        assert storage.verify_audit(s).n_entries == 0
        assert s.execute(sa.select(sa.func.count()).select_from(AuditEntry)).scalar() == 0


def test_parallel_writers_keep_one_linear_chain(db):
    def work(i):
        for j in range(8):
            with db.write() as s:
                storage.record(s, storage.SYSTEM, "create", "probe", f"{i}-{j}")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with db.read() as s:
        report = storage.verify_audit(s)
    assert report.ok and report.n_entries == 40


def test_nan_and_numpy_values_are_stored_as_plain_json():
    import numpy as np

    text = storage.canonical_json({"b": np.float64("nan"), "a": np.int64(3), "c": [1.0]})
    assert text == '{"a":3,"b":null,"c":[1.0]}'
