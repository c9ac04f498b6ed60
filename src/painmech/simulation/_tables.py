"""Assemble long tables from per-visit arrays without Python loops over rows.

Labels are stored as integer codes and turned into pandas' default string
dtype in one Arrow ``take`` per column, which keeps 10⁷-row tables cheap.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["STR", "strings", "observations_frame", "grid_frame"]

#: pandas' default string dtype (pandas ≥ 3): Arrow-backed, NaN as missing.
STR = pd.StringDtype("pyarrow", na_value=np.nan)


def strings(codes: np.ndarray, categories: Sequence[str]) -> pd.Series:
    """A string Series ``categories[codes]`` built in Arrow."""
    import pyarrow as pa  # pandas' string backend; a core dependency of painmech

    dictionary = pa.array([str(c) for c in categories], type=pa.string())
    taken = dictionary.take(pa.array(np.asarray(codes, dtype=np.int64)))
    return pd.Series(taken.to_pandas(types_mapper={pa.string(): STR}.get), dtype=STR)


def observations_frame(subjects: np.ndarray, visits: Sequence[int], per_visit: list[list]):
    """Build the observations table from per-visit block lists.

    Parameters
    ----------
    subjects : ndarray of str, shape (N,)
    visits : sequence of int
        Visit numbers, one per entry of ``per_visit``.
    per_visit : list of list of blocks
        Each block is ``(measure, site, side, unit, values[N, trials])``;
        every visit has the same blocks in the same order.

    Returns
    -------
    pandas.DataFrame
        ``subject, visit, measure, site, side, trial, value, unit`` ordered by
        subject, visit and block.
    """
    first = per_visit[0]
    n = len(subjects)
    labels = {k: [] for k in ("measure", "site", "side", "unit", "trial")}
    for measure, site, side, unit, values in first:
        t = values.shape[1]
        labels["measure"] += [measure] * t
        labels["site"] += [site] * t
        labels["side"] += [side] * t
        labels["unit"] += [unit] * t
        labels["trial"] += list(range(1, t + 1))
    k = len(labels["trial"])
    vals = np.stack([np.hstack([b[4] for b in blocks]) for blocks in per_visit], axis=1)
    n_v = len(visits)
    subj_codes = np.repeat(np.arange(n), n_v * k)
    visit_col = np.tile(np.repeat(np.asarray(visits, dtype=np.int64), k), n)
    out = {"subject": strings(subj_codes, subjects),
           "visit": visit_col}
    for col in ("measure", "site", "side"):
        cats, codes = np.unique(np.array(labels[col], dtype=object), return_inverse=True)
        out[col] = strings(np.tile(codes, n * n_v), cats)
    out["trial"] = np.tile(np.asarray(labels["trial"], dtype=np.int64), n * n_v)
    out["value"] = vals.reshape(-1).astype(np.float64)
    cats, codes = np.unique(np.array(labels["unit"], dtype=object), return_inverse=True)
    out["unit"] = strings(np.tile(codes, n * n_v), cats)
    return pd.DataFrame(out)


def grid_frame(subjects, visits, arrays: list[np.ndarray], dims: list[tuple[str, Sequence]],
               value_name: str, dtypes: dict[str, object] | None = None) -> pd.DataFrame:
    """Long table from per-visit arrays of shape (N, *dims).

    ``dims`` lists ``(column, labels)`` for each trailing axis; string labels
    become string columns, numeric labels keep their dtype (or ``dtypes``).
    """
    data = np.stack(arrays, axis=1)  # (N, V, *dims)
    shape = data.shape
    n, n_v = shape[0], shape[1]
    inner = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    out = {"subject": strings(np.repeat(np.arange(n), n_v * inner), subjects),
           "visit": np.tile(np.repeat(np.asarray(visits, dtype=np.int64), inner), n)}
    idx = np.indices(shape[2:]).reshape(len(shape) - 2, -1)
    reps = n * n_v
    for (col, labels), ax in zip(dims, idx, strict=True):
        labels = np.asarray(labels)
        if labels.dtype.kind in "OUS":
            out[col] = strings(np.tile(ax, reps), labels)
        else:
            typ = (dtypes or {}).get(col, labels.dtype)
            out[col] = np.tile(labels[ax], reps).astype(typ)
    out[value_name] = data.reshape(-1).astype(np.float64)
    return pd.DataFrame(out)
