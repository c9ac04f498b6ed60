"""A ready-to-open demo database (used by ``painmech demo``)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from painmech.exceptions import ValidationError
from painmech.storage._audit import SYSTEM
from painmech.storage._auth import actor_for, create_user
from painmech.storage._imports import import_frames
from painmech.storage._instrument import import_instrument
from painmech.storage._migrate import open_database
from painmech.storage._studies import create_study

__all__ = ["DemoLogin", "build_demo_database"]


@dataclass(frozen=True)
class DemoLogin:
    """How to open the demo.

    Attributes
    ----------
    db_url : str
    username, password : str
        The demo login (owner of the demo study and site administrator).
    study : str
        Code of the demo study.
    n_subjects, n_observations : int
    """

    db_url: str
    username: str
    password: str
    study: str
    n_subjects: int
    n_observations: int


def build_demo_database(db_url: str, subjects: pd.DataFrame, observations: pd.DataFrame, *,
                        instrument: Mapping[str, pd.DataFrame] | None = None,
                        study: str = "demo", title: str = "Demo study (virtual patients)",
                        username: str = "demo", password: str | None = None) -> DemoLogin:
    """Create a demo study with a demo login in a (new) database.

    Parameters
    ----------
    db_url : str
        Database URL, e.g. ``sqlite:///painmech-demo/painmech.sqlite``; the
        schema is created when the database is empty.
    subjects, observations : pandas.DataFrame
        Contract tables (design.md §3), e.g. from the simulator.
    instrument : mapping of kind to DataFrame, optional
        Instrument tables (``tms_grid``, ``tdcs_series``, ``roi_timeseries``).
    study, title : str
        Code and title of the demo study.
    username : str
        Demo user (created as administrator and study owner).
    password : str, optional
        Demo password; a random one is generated when omitted.

    Returns
    -------
    DemoLogin

    Raises
    ------
    ValidationError
        When the tables break a validation rule (nothing is stored).
    Conflict
        When the user or study exists already (use a new database file).
    """
    password = password or secrets.token_urlsafe(9)
    db = open_database(db_url)
    try:
        with db.write() as session:
            user = create_user(session, SYSTEM, username, password, is_admin=True)
            actor = actor_for(user)
            row = create_study(session, actor, study, title,
                               "Virtual patients from painmech.simulation; not real people.")
            result = import_frames(session, actor, row, observations, subjects,
                                   source="painmech demo", files=("<demo observations>",
                                                                  "<demo subjects>"))
            if not result.ok:
                raise ValidationError(result.problems)
            for kind, frame in (instrument or {}).items():
                extra = import_instrument(session, actor, row, kind, frame,
                                          source=f"painmech demo {kind}")
                if not extra.ok:
                    raise ValidationError(extra.problems)
    finally:
        db.dispose()
    return DemoLogin(str(db_url), username, password, study, result.n_subjects,
                     result.n_observations)
