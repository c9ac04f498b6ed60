"""Exports of a study, with dates kept, shifted per subject, or dropped.

Every export is recorded in the audit log (mode, row counts and the SHA-256
of the exported observations).
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from painmech.storage._audit import Actor, record
from painmech.storage._auth import require
from painmech.storage._models import Study, Subject
from painmech.storage._observations import load_observations, load_subjects

__all__ = ["EXPORT_MODES", "export_observations", "csv_safe"]

#: Export modes and what they do to identifiers and dates.
EXPORT_MODES = {
    "pseudonymised": "pseudonyms and visit dates as stored",
    "shifted_dates": "pseudonyms kept; every date of a subject moved by the same secret "
                     "number of days (±1–180), so intervals between visits are kept",
    "no_dates": "pseudonyms kept; dates removed",
    "anonymised": "pseudonyms replaced by export codes (s0001, ...) that are not stored; "
                  "dates removed",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def export_observations(session: Session, actor: Actor, study: Study,
                        mode: str = "pseudonymised") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Export the subjects and observations tables of a study.

    Parameters
    ----------
    session : Session
        A write session (the export is audited).
    actor : Actor
        Needs the ``export`` permission (editors and owners).
    study : Study
    mode : str
        One of :data:`EXPORT_MODES`.

    Returns
    -------
    subjects, observations : pandas.DataFrame
        Contract tables; ``observations`` has a ``date`` column unless the
        mode removes dates.
    """
    if mode not in EXPORT_MODES:
        raise ValueError(f"Invalid value for the 'mode' parameter: {mode!r}. Allowed values "
                         f"are {', '.join(map(repr, EXPORT_MODES))}.")
    require(session, actor, study, "export")
    subjects = load_subjects(session, actor, study)
    obs = load_observations(session, actor, study)
    if mode == "shifted_dates":
        shifts = dict(session.execute(sa.select(Subject.pseudonym, Subject.date_shift_days)
                                      .where(Subject.study_id == study.id,
                                             Subject.deleted_at.is_(None))).all())
        days = pd.to_timedelta(obs["subject"].map(shifts).astype("float64"), unit="D")
        obs["date"] = obs["date"] + days
    elif mode in ("no_dates", "anonymised"):
        obs = obs.drop(columns="date")
    if mode == "anonymised":
        rng = np.random.default_rng()  # fresh entropy: codes must not be reproducible
        order = rng.permutation(len(subjects))
        codes = dict(zip(subjects["subject"].to_numpy()[order],
                         [f"s{i + 1:04d}" for i in range(len(subjects))], strict=True))
        subjects = subjects.assign(subject=subjects["subject"].map(codes)) \
            .sort_values("subject").reset_index(drop=True)
        obs = obs.assign(subject=obs["subject"].map(codes))
    digest = hashlib.sha256(obs.to_csv(index=False).encode("utf-8")).hexdigest()
    record(session, actor, "export", "study", study.code, study_id=study.id,
           new={"mode": mode, "n_subjects": len(subjects), "n_observations": len(obs),
                "sha256": digest})
    return subjects, obs


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Neutralise spreadsheet formulas in text cells before writing CSV.

    A text cell that starts with ``= + - @``, a tab or a carriage return and
    is not a number gets a leading apostrophe (OWASP "CSV injection"), so
    Excel and LibreOffice show it as text instead of running it. Numeric
    columns and text cells holding numbers (``-3.5``) are left as they are.
    """
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_datetime64_any_dtype(
                out[col]) or pd.api.types.is_bool_dtype(out[col]):
            continue
        text = out[col].astype("string")
        risky = text.str.startswith(_FORMULA_START).fillna(False)
        numeric = pd.to_numeric(text.where(risky), errors="coerce").notna()
        fix = (risky & ~numeric).to_numpy(dtype=bool)
        if fix.any():
            out[col] = out[col].astype(object)
            out.loc[fix, col] = "'" + text[fix].astype(str)
    return out
