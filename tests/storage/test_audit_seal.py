"""Audit seals: HMAC-SHA256 over each entry hash with a key kept outside the database.

Expected seals are computed with Python's ``hmac`` module, independently of
:func:`painmech.storage.seal`, from the documented layout ``"<key id>:<mac>"``:
key id = first 16 hex characters of ``hmac.new(key, b"painmech-audit-key-id",
sha256)``, mac = ``hmac.new(key, b"painmech-audit-v1:" + hash, sha256)`` in hex.
"""

from __future__ import annotations

import hashlib
import hmac
import stat

import pytest
import sqlalchemy as sa

from painmech import storage
from painmech.storage._audit import _chain_hash
from painmech.storage._models import AuditEntry

KEY = bytes(range(32))            # a fixed 256-bit test key
OTHER_KEY = bytes(range(1, 33))   # a different one


def _key_id(key: bytes) -> str:
    return hmac.new(key, b"painmech-audit-key-id", hashlib.sha256).hexdigest()[:16]


def _expected_seal(key: bytes, entry_hash: str) -> str:
    # reference: Python's hmac module with the documented message layout
    mac = hmac.new(key, b"painmech-audit-v1:" + entry_hash.encode(), hashlib.sha256)
    return f"{_key_id(key)}:{mac.hexdigest()}"


def _entries(db, n=5, **kwargs):
    with db.write() as s:
        for i in range(n):
            storage.record(s, storage.SYSTEM, "create", "probe", i, new={"i": i}, **kwargs)


def _rows(db):
    with db.read() as s:
        return s.execute(sa.select(AuditEntry).order_by(AuditEntry.id)).scalars().all()


@pytest.fixture
def sealed_db(db_url):
    """A database opened with the audit key, holding five sealed entries."""
    database = storage.open_database(db_url, audit_key=KEY)
    _entries(database)
    yield database
    database.dispose()


def _forge(db, mac=None):
    """Append an entry the way an attacker without the key would: valid plain hash."""
    with db.write() as s:
        prev = s.execute(sa.select(AuditEntry.hash).order_by(AuditEntry.id.desc())
                         .limit(1)).scalar()
        entry = AuditEntry(ts="2026-11-27T00:00:00+00:00", user_id=None, actor="mallory",
                           study_id=None, action="delete", entity="study", entity_id="1",
                           old="null", new="null", reason="", prev_hash=prev)
        entry.hash = _chain_hash(prev, entry)
        entry.mac = mac
        s.add(entry)
        s.flush()
        return entry.id


def _verify(db, key=None, **kwargs):
    with db.read() as s:
        return storage.verify_audit(s, key=key, **kwargs)


def test_sealed_entries_verify_with_and_without_the_key(sealed_db):
    rows = _rows(sealed_db)
    assert [r.mac for r in rows] == [_expected_seal(KEY, r.hash) for r in rows]
    keyed = _verify(sealed_db, KEY)
    assert keyed.ok and keyed.seals_checked and keyed.problems.empty
    assert (keyed.n_entries, keyed.n_sealed, keyed.first_sealed_id) == (5, 5, rows[0].id)
    plain = _verify(sealed_db)
    assert plain.ok and not plain.seals_checked and plain.n_sealed == 5
    assert plain.head == keyed.head == rows[-1].hash


def test_record_takes_an_explicit_key_and_unkeyed_databases_write_no_seal(db):
    _entries(db, 2)
    _entries(db, 1, key=KEY)
    assert [r.mac is None for r in _rows(db)] == [True, True, False]
    report = _verify(db, KEY)  # unsealed entries before the first seal are allowed
    assert report.ok and report.n_sealed == 1 and report.first_sealed_id == _rows(db)[2].id


def test_forged_entry_without_seal_passes_the_plain_chain_but_not_the_keyed_check(sealed_db):
    forged = _forge(sealed_db)
    plain = _verify(sealed_db)
    assert plain.ok  # the weakness of the unkeyed chain: the forgery has a valid hash
    assert plain.n_unsealed_late == 1
    keyed = _verify(sealed_db, KEY)
    assert not keyed.ok
    assert keyed.problems["id"].tolist() == [forged]
    assert "unsealed entry after sealed ones" in keyed.problems["problem"].iloc[0]


@pytest.mark.parametrize("mac, expected", [
    (f"{_key_id(KEY)}:{'0' * 64}", "seal mismatch"),       # right key id, made-up MAC
    (_expected_seal(OTHER_KEY, "0" * 64), "sealed with another key"),
    ("garbage", "sealed with another key"),
])
def test_forged_entry_with_an_invalid_seal_is_found(sealed_db, mac, expected):
    forged = _forge(sealed_db, mac=mac)
    assert _verify(sealed_db).ok
    keyed = _verify(sealed_db, KEY)
    assert keyed.problems["id"].tolist() == [forged]
    assert keyed.problems["problem"].iloc[0].startswith(expected)


def test_entries_appended_by_a_program_without_the_key_are_flagged(sealed_db):
    plain_db = storage.Database(sealed_db.url)  # e.g. a writer started without the key
    _entries(plain_db, 2)
    plain_db.dispose()
    ids = [r.id for r in _rows(sealed_db)][-2:]
    keyed = _verify(sealed_db, KEY)
    assert keyed.problems["id"].tolist() == ids


def test_changed_sealed_entry_is_found_even_with_recomputed_hashes(sealed_db,
                                                                   drop_audit_protection):
    drop_audit_protection(sealed_db)
    rows = _rows(sealed_db)
    with sealed_db.write() as s:  # rewrite entry 3 and re-chain everything after it
        prev = rows[1].hash
        for row in rows[2:]:
            entry = s.get(AuditEntry, row.id)
            if row.id == rows[2].id:
                entry.reason = "forged"
            entry.prev_hash = prev
            entry.hash = _chain_hash(prev, entry)
            prev = entry.hash
    assert _verify(sealed_db).ok  # the plain chain was rewritten consistently
    keyed = _verify(sealed_db, KEY)
    assert keyed.problems["id"].tolist() == [r.id for r in rows[2:]]
    assert keyed.problems["problem"].str.startswith("seal mismatch").all()


def test_changed_content_without_new_hash_is_found_by_both_checks(sealed_db,
                                                                  drop_audit_protection):
    drop_audit_protection(sealed_db)
    last = _rows(sealed_db)[-1].id
    with sealed_db.write() as s:
        s.execute(sa.text("UPDATE audit_log SET actor = 'mallory' WHERE id = :i"), {"i": last})
    assert _verify(sealed_db).problems["id"].tolist() == [last]
    keyed = _verify(sealed_db, KEY)
    assert keyed.problems["id"].tolist() == [last]
    assert "hash mismatch" in keyed.problems["problem"].iloc[0]


def test_wrong_key_is_reported_once(sealed_db):
    report = _verify(sealed_db, OTHER_KEY)
    assert not report.ok
    assert report.problems.to_dict("records") == [
        {"id": -1, "problem": f"wrong audit key: its id is {_key_id(OTHER_KEY)}, the 5 sealed "
                              f"entries carry key id {_key_id(KEY)}"}]
    assert report.key_ids == [_key_id(KEY)]


def test_stripped_seals_are_found(sealed_db, drop_audit_protection):
    drop_audit_protection(sealed_db)
    with sealed_db.write() as s:
        s.execute(sa.text("UPDATE audit_log SET mac = NULL"))
    assert _verify(sealed_db).ok
    report = _verify(sealed_db, KEY)
    assert report.problems["id"].tolist() == [-1]
    assert "no entry is sealed" in report.problems["problem"].iloc[0]


def test_unsealed_history_is_covered_by_the_first_seal(db, drop_audit_protection):
    _entries(db, 3)
    _entries(db, 1, key=KEY)
    drop_audit_protection(db)
    rows = _rows(db)
    with db.write() as s:  # rewrite unsealed entry 1 and re-chain up to the sealed one
        prev = storage.GENESIS
        for row in rows:
            entry = s.get(AuditEntry, row.id)
            entry.reason = "forged" if row.id == rows[0].id else entry.reason
            entry.prev_hash = prev
            entry.hash = _chain_hash(prev, entry)
            prev = entry.hash
    assert _verify(db).ok
    keyed = _verify(db, KEY)
    assert keyed.problems["id"].tolist() == [rows[-1].id]
    assert keyed.problems["problem"].iloc[0].startswith("seal mismatch")


def _old_entries(db, n):
    """Entries written the way painmech did at revision 0001 (no mac column)."""
    table = AuditEntry.__table__
    with db.write() as s:
        prev = storage.GENESIS
        for i in range(n):
            entry = AuditEntry(ts=f"2026-11-26T10:00:0{i}+00:00", user_id=None, actor="system",
                               study_id=None, action="create", entity="probe",
                               entity_id=str(i), old="null", new="null", reason="",
                               prev_hash=prev)
            entry.hash = _chain_hash(prev, entry)
            s.execute(sa.insert(table).values(
                {c.name: getattr(entry, c.name) for c in table.columns
                 if c.name not in ("id", "mac")}))
            prev = entry.hash


def test_migration_adds_the_column_and_keeps_old_entries_verifiable(db_url):
    db = storage.Database(db_url)
    assert storage.migrate(db, "0001") == "0001"
    _old_entries(db, 3)
    assert "mac" not in {c["name"] for c in sa.inspect(db.engine).get_columns("audit_log")}
    with pytest.raises(storage.SchemaOutdated, match="painmech db migrate"):
        storage.open_database(db_url)
    assert storage.migrate(db) == storage.head_revision()
    db.dispose()

    db = storage.open_database(db_url, audit_key=KEY)
    assert "mac" in {c["name"] for c in sa.inspect(db.engine).get_columns("audit_log")}
    assert [r.mac for r in _rows(db)] == [None] * 3
    plain = _verify(db)
    assert plain.ok and plain.n_entries == 3 and plain.n_sealed == 0
    assert "no entry is sealed" in _verify(db, KEY).problems["problem"].iloc[0]
    _entries(db, 2)  # the new painmech seals with the key of the database
    report = _verify(db, KEY)
    assert report.ok and (report.n_entries, report.n_sealed) == (5, 2)
    assert report.first_sealed_id == _rows(db)[3].id
    # the append-only triggers survived the migration
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.write() as s:
        s.execute(sa.text("UPDATE audit_log SET mac = NULL"))
    db.dispose()


def test_audit_key_files_and_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("PAINMECH_AUDIT_KEY", raising=False)
    monkeypatch.delenv("PAINMECH_AUDIT_KEY_FILE", raising=False)
    assert storage.load_audit_key(required=False) is None
    with pytest.raises(KeyError, match="no audit key"):
        storage.load_audit_key()
    path = storage.generate_audit_key(tmp_path / "keys" / "audit.hex")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = storage.load_audit_key(path)
    assert len(key) == 32
    with pytest.raises(FileExistsError, match="refusing to overwrite"):
        storage.generate_audit_key(path)
    monkeypatch.setenv("PAINMECH_AUDIT_KEY_FILE", str(path))
    assert storage.load_audit_key() == key
    monkeypatch.setenv("PAINMECH_AUDIT_KEY", KEY.hex())  # hex text wins over the file
    assert storage.load_audit_key() == KEY
    monkeypatch.setenv("PAINMECH_AUDIT_KEY", "abcd")
    with pytest.raises(ValueError, match="at least 128 bits"):
        storage.load_audit_key()
    monkeypatch.setenv("PAINMECH_AUDIT_KEY", "not hex")
    with pytest.raises(ValueError, match="hexadecimal"):
        storage.load_audit_key()
    with pytest.raises(FileNotFoundError, match="no audit key file"):
        storage.load_audit_key(tmp_path / "missing.hex")
    with pytest.raises(ValueError, match="at least 128 bits"):
        storage.Database(f"sqlite:///{tmp_path / 'x.sqlite'}", audit_key=b"short")


def test_seal_matches_the_hmac_module():
    entry_hash = hashlib.sha256(b"entry").hexdigest()
    assert storage.seal(KEY, entry_hash) == _expected_seal(KEY, entry_hash)
    assert storage.seal(KEY, entry_hash) != storage.seal(OTHER_KEY, entry_hash)
    assert storage.audit_key_id(KEY) == _key_id(KEY)
    assert len(storage.seal(KEY, entry_hash)) == 16 + 1 + 64  # fits the 96-character column
