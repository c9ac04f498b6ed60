"""The append-only, hash-chained audit log, optionally sealed with a key.

Each entry stores ``hash = sha256(prev_hash + canonical_json(entry))`` where
``prev_hash`` is the hash of the entry before it (64 zeros for the first). Any
change, insertion or removal of an entry inside the chain breaks every hash
after it, which :func:`verify_audit` reports. Removing entries at the *end*
leaves a valid but shorter chain: compare the head hash that
:func:`verify_audit` returns with one recorded elsewhere (``--expect-head``).

The plain chain needs no secret, so whoever can write to the database can
append entries, or rewrite the chain from some entry on, with valid hashes.
**Seals** close that gap. When an audit key is configured (kept outside the
database: ``$PAINMECH_AUDIT_KEY`` hex, ``$PAINMECH_AUDIT_KEY_FILE``, or passed
to :func:`~painmech.storage.open_database` / :func:`record`), every new entry
also stores a seal ``"<key id>:" + HMAC-SHA256(key, "painmech-audit-v1:" +
hash)`` in its ``mac`` column (:mod:`painmech.storage._audit_seal`). Because the
hash already covers ``prev_hash``, a seal vouches for the entry *and* the
whole chain before it, including older unsealed entries. The chain itself is
unchanged, so it stays verifiable without the key (the seals are then only
counted).

Verifying with the key (:func:`verify_audit` ``key=``) requires that

- every sealed entry's MAC matches (a rewritten entry, or a chain rewritten
  from an earlier entry on, fails here even when its hashes were recomputed);
- the sealed entries form one unbroken run up to the end of the log: an
  unsealed entry after the first sealed one was written without the key,
  i.e. forged;
- at least one entry is sealed when the log is not empty (otherwise the seals
  may all have been stripped).

When no seal carries the key id of the given key, one problem "wrong audit
key" is reported instead of one per entry.

Entries written before a key was configured (or before schema revision 0002)
stay unsealed (``mac`` NULL) and are covered by the first seal after them.
What seals cannot catch: removal of the newest entries (use ``expect_head``),
and anything done by someone who holds the key. One key seals a log: after a
change of key the entries sealed with the old one are reported as "sealed
with another key".

Entries are written in the same transaction as the change they describe, so a
change and its entry are committed together or not at all. Writers are
serialised (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a transaction-level
advisory lock), so the chain is linear.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from painmech.storage._audit_seal import SealCheck, seal
from painmech.storage._engine import AUDIT_KEY_INFO
from painmech.storage._models import AuditEntry, utcnow

__all__ = ["Actor", "SYSTEM", "record", "verify_audit", "AuditReport", "canonical_json",
           "GENESIS", "audit_frame"]

GENESIS = "0" * 64
# an arbitrary constant that names painmech's audit lock among PostgreSQL advisory locks
_PG_LOCK_KEY = 741_852_963


@dataclass(frozen=True)
class Actor:
    """Who performs an action.

    Attributes
    ----------
    user_id : int or None
        ``None`` for the command line / system.
    username : str
    is_admin : bool
        Site administrator (may create users and studies).
    token_study_id : int or None
        When the request came with a study-scoped API token, the only study it
        may reach.
    token_id : int or None
        The token the request came with (tokens it creates are revoked with it).
    """

    user_id: int | None
    username: str
    is_admin: bool = False
    token_study_id: int | None = None
    token_id: int | None = None


#: The actor of command-line maintenance (``painmech db ...``).
SYSTEM = Actor(None, "system", is_admin=True)


def _plain(value: object) -> object:
    """Make a value JSON-safe and stable (NaN → None, dates → ISO text)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalar
        return _plain(value.item())
    return value


def canonical_json(value: object) -> str:
    """Deterministic JSON text: sorted keys, no spaces, UTF-8, NaN as null."""
    return json.dumps(_plain(value), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False, allow_nan=False)


def _entry_payload(entry: AuditEntry) -> str:
    return canonical_json({
        "ts": entry.ts, "user_id": entry.user_id, "actor": entry.actor,
        "study_id": entry.study_id, "action": entry.action, "entity": entry.entity,
        "entity_id": entry.entity_id, "old": entry.old, "new": entry.new,
        "reason": entry.reason,
    })


def _chain_hash(prev_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256((prev_hash + _entry_payload(entry)).encode("utf-8")).hexdigest()


def _lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})


def record(session: Session, actor: Actor, action: str, entity: str, entity_id: object = "",
           *, study_id: int | None = None, old: object = None, new: object = None,
           reason: str = "", key: bytes | None = None) -> AuditEntry:
    """Append one entry to the audit log (inside the caller's transaction).

    Parameters
    ----------
    session : Session
        A write session; the entry commits with the change it describes.
    actor : Actor
    action : str
        ``create``, ``update``, ``delete``, ``import``, ``export``, ``login``,
        ``login_failed``, ``denied``, ...
    entity : str
        Table or object kind (``subject``, ``observation``, ``study``, ...).
    entity_id : object
        Identifier of the row (its primary key or pseudonym).
    study_id : int, optional
    old, new : object
        JSON-serialisable state before and after.
    reason : str
        Why a stored value was changed or removed.
    key : bytes, optional
        Audit key that seals the entry; by default the key of the
        :class:`~painmech.storage.Database` the session came from (if any).
    """
    if key is None:
        key = session.info.get(AUDIT_KEY_INFO)
    _lock(session)
    prev = session.execute(
        sa.select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).scalar()
    entry = AuditEntry(
        ts=utcnow().isoformat(timespec="microseconds"), user_id=actor.user_id,
        actor=actor.username, study_id=study_id, action=action, entity=entity,
        entity_id=str(entity_id), old=canonical_json(old), new=canonical_json(new),
        reason=reason or "", prev_hash=prev or GENESIS,
    )
    entry.hash = _chain_hash(entry.prev_hash, entry)
    if key is not None:
        entry.mac = seal(key, entry.hash)
    session.add(entry)
    session.flush()
    return entry


@dataclass
class AuditReport:
    """Result of :func:`verify_audit`.

    Attributes
    ----------
    ok : bool
        True when every entry's hash and link is intact (and, when a key was
        given, every seal).
    n_entries : int
    head : str
        Hash of the last entry (record it elsewhere to detect truncation).
    problems : pandas.DataFrame
        ``id, problem`` for each broken entry (``id`` -1 for the whole log).
    n_sealed : int
        Entries that carry a seal.
    first_sealed_id : int or None
        Id of the first sealed entry.
    n_unsealed_late : int
        Unsealed entries after the first sealed one (forged when seals were
        checked; counted without a key too).
    seals_checked : bool
        True when a key was given and the seals were recomputed.
    key_ids : list of str
        Ids of the keys named by the seals (:func:`audit_key_id`).
    """

    ok: bool
    n_entries: int
    head: str
    problems: pd.DataFrame
    n_sealed: int = 0
    first_sealed_id: int | None = None
    n_unsealed_late: int = 0
    seals_checked: bool = False
    key_ids: list[str] = field(default_factory=list)


def verify_audit(session: Session, expect_head: str | None = None,
                 key: bytes | None = None, chunk: int = 5000) -> AuditReport:
    """Recompute the hash chain of the whole audit log (and its seals, given the key).

    Parameters
    ----------
    session : Session
    expect_head : str, optional
        A head hash recorded earlier; the report fails when that hash is no
        longer in the chain (entries at the end were removed or replaced).
    key : bytes, optional
        The audit key (:func:`load_audit_key`). With it every sealed entry's
        MAC is recomputed, every entry after the first sealed one must be
        sealed, and a non-empty log must hold at least one seal. Without it
        the seals are only counted.
    chunk : int
        Entries read per query (bounded memory).

    Returns
    -------
    AuditReport
    """
    problems: list[dict] = []
    prev, n, last_id, seen_expected = GENESIS, 0, -1, expect_head is None
    seals = SealCheck(key, problems)
    while True:
        rows = session.execute(
            sa.select(AuditEntry).where(AuditEntry.id > last_id)
            .order_by(AuditEntry.id).limit(chunk)).scalars().all()
        if not rows:
            break
        for entry in rows:
            if entry.prev_hash != prev:
                problems.append({"id": entry.id, "problem": "link broken: prev_hash does not "
                                 "match the previous entry (an entry was removed or inserted)"})
            if _chain_hash(entry.prev_hash, entry) != entry.hash:
                problems.append({"id": entry.id, "problem": "hash mismatch: the entry was "
                                 "changed after it was written"})
            seals.add(entry.id, entry.hash, entry.mac)
            prev = entry.hash
            seen_expected = seen_expected or entry.hash == expect_head
            last_id = entry.id
            n += 1
        session.expunge_all()
    if not seen_expected:
        problems.append({"id": -1, "problem": f"expected head {expect_head} is not in the "
                         "chain (entries were removed from the end)"})
    seals.finish(n)
    frame = pd.DataFrame(problems, columns=["id", "problem"])
    return AuditReport(frame.empty, n, prev, frame, n_sealed=seals.n_sealed,
                       first_sealed_id=seals.first_sealed_id,
                       n_unsealed_late=seals.n_unsealed_late, seals_checked=key is not None,
                       key_ids=sorted(seals.key_ids))


def audit_frame(session: Session, study_id: int | None = None, limit: int = 200,
                offset: int = 0) -> pd.DataFrame:
    """The newest audit entries (optionally of one study) as a table."""
    query = sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
    if study_id is not None:
        query = query.where(AuditEntry.study_id == study_id)
    rows = session.execute(query).scalars().all()
    cols = ["id", "ts", "actor", "study_id", "action", "entity", "entity_id", "old", "new",
            "reason", "hash"]
    return pd.DataFrame([{c: getattr(r, c) for c in cols} for r in rows], columns=cols)
