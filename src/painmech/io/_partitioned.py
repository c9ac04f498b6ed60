"""Subject-partitioned Parquet datasets for bounded-memory pipelines.

A dataset directory holds one Parquet file per partition,
``part-00000.parquet`` … , each with every row of the subjects hashed into it,
so that per-subject work (metrics, z-scores, profiles) can stream partition by
partition. The hash is pandas' stable ``hash_pandas_object`` of the subject
pseudonym, so the same subject lands in the same partition on every machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from painmech.exceptions import InputFormatError

__all__ = ["partition_of", "write_partitioned", "iter_partitions", "list_partitions"]

_PATTERN = "part-{:05d}.parquet"


def partition_of(subjects: pd.Series, n_partitions: int) -> np.ndarray:
    """Return the partition number of each subject (stable across machines).

    Parameters
    ----------
    subjects : pandas.Series of str
        Subject pseudonyms.
    n_partitions : int
        Number of partitions (≥ 1).
    """
    if n_partitions < 1:
        raise ValueError(f"n_partitions must be ≥ 1, got {n_partitions}")
    hashed = pd.util.hash_pandas_object(subjects.astype(str), index=False).to_numpy()
    return (hashed % np.uint64(n_partitions)).astype(np.int64)


def write_partitioned(table: pd.DataFrame, directory: str | Path, n_partitions: int) -> Path:
    """Write a table with a ``subject`` column as a subject-partitioned dataset.

    Rows keep their order within a partition. Existing partition files in the
    directory are replaced; the write goes to temporary names first and is
    renamed at the end so a crash never leaves a half-written partition.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    part = partition_of(table["subject"], n_partitions)
    order = np.argsort(part, kind="stable")
    sorted_table = table.iloc[order]
    bounds = np.searchsorted(part[order], np.arange(n_partitions + 1))
    tmp_files = []
    for k in range(n_partitions):
        chunk = sorted_table.iloc[bounds[k]:bounds[k + 1]]
        tmp = directory / (_PATTERN.format(k) + ".tmp")
        pq.write_table(pa.Table.from_pandas(chunk, preserve_index=False), tmp)
        tmp_files.append(tmp)
    for old in directory.glob("part-*.parquet"):
        old.unlink()
    for k, tmp in enumerate(tmp_files):
        tmp.replace(directory / _PATTERN.format(k))
    return directory


def list_partitions(directory: str | Path) -> list[Path]:
    """Return the partition files of a dataset directory, in order."""
    directory = Path(directory)
    files = sorted(directory.glob("part-*.parquet"))
    if not files:
        raise InputFormatError(f"{directory}: no part-*.parquet files (not a painmech dataset)")
    return files


def iter_partitions(directory: str | Path, columns: list[str] | None = None
                    ) -> Iterator[pd.DataFrame]:
    """Yield the partitions of a dataset one at a time (bounded memory)."""
    for path in list_partitions(directory):
        yield pq.read_table(path, columns=columns).to_pandas()
