"""Helpers shared by the API and browser tests (a module with a unique name)."""

from __future__ import annotations

import warnings

with warnings.catch_warnings():  # starlette asks for httpx2, which is not a dependency
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: F401

PASSWORDS = {"admin": "admin-password", "owner": "owner-password", "editor": "editor-password",
             "viewer": "viewer-password", "outsider": "outsider-password"}


def obs_rows(n=3, subject="ex01", visit=5, bad=None):
    """JSON observation rows (PPT at the lumbar site); ``bad`` makes one value text."""
    rows = [{"subject": subject, "visit": visit, "measure": "ppt", "site": "lumbar",
             "side": "left", "trial": i + 1, "value": 300 + i, "unit": "kPa"} for i in range(n)]
    if bad is not None:
        rows[bad]["value"] = "abc"
    return rows
