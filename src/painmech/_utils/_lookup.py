"""Row look-ups done once per distinct value.

Tables in painmech repeat a few hundred ids (subjects, metrics) over many
rows, and looking up Arrow-backed strings row by row is slow. These helpers
factorise the column (integer codes, no string conversion), look up each
distinct value once in a hash index and give the answer back to every row by
code. A missing value is a value like any other here: it is found only where
the index holds a missing value too, as with :meth:`pandas.Series.isin`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["member", "positions"]


def positions(values, index) -> np.ndarray:
    """Position of each value in ``index`` (-1 where it is absent).

    Parameters
    ----------
    values : array-like
        Values to look up (e.g. the subject column of a metrics table).
    index : array-like
        Unique values to look them up in (e.g. the subjects table's ids).

    Returns
    -------
    numpy.ndarray of int
        One position per value, usable with ``take``/fancy indexing.
    """
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    return pd.Index(index).get_indexer(distinct)[codes]


def member(values, wanted) -> np.ndarray:
    """``pandas.Series(values).isin(wanted)`` as a boolean array."""
    return positions(values, pd.Index(wanted).unique()) >= 0
