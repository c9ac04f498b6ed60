"""The profile pipeline over a subject-partitioned Parquet dataset, locally or on Dask.

Two passes keep memory bounded by one partition: (1) without a given
reference set, the healthy controls' metrics are gathered partition by
partition and the set is fitted **once**; (2) every partition is scored and
profiled against that set and, with an output directory, written as the
partition of the same name. Because metrics, z-scores and profiles are
per subject and the set is fitted on the canonically ordered control metrics,
the result equals :func:`painmech.pipeline.run_profile` on the whole table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from painmech.distributed._map import _client
from painmech.io import list_partitions
from painmech.mechanisms import PROFILE_COLUMNS
from painmech.norms import ReferenceSet
from painmech.pipeline import control_metrics, fit_reference, profile_partition

__all__ = ["profile_dataset", "read_profile"]

_OBS_COLUMNS = ["subject", "visit", "measure", "site", "side", "trial", "value", "unit"]


def _read(path: Path) -> pd.DataFrame:
    import pyarrow.parquet as pq

    names = set(pq.read_schema(path).names)
    columns = [c for c in _OBS_COLUMNS if c in names] + (["censored"] if "censored" in names
                                                          else [])
    return pq.read_table(path, columns=columns).to_pandas()


def _write(frame: pd.DataFrame, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp)
    tmp.replace(path)


def _controls_task(path: Path, subjects: pd.DataFrame, condition: str) -> pd.DataFrame:
    return control_metrics(_read(path), subjects, condition=condition)


def _profile_task(path: Path, subjects: pd.DataFrame, ref: ReferenceSet,
                  output: Path | None, scores_output: Path | None,
                  zscore_kwargs: dict) -> pd.DataFrame:
    """Profile one partition; write it (and its scores) or return it."""
    obs = _read(path)
    if obs.empty:
        return pd.DataFrame()
    prof, scores = profile_partition(obs, subjects, ref, keep_scores=True, **zscore_kwargs)
    if scores_output is not None:
        _write(scores, scores_output / path.name)
    if output is None:
        return prof
    _write(prof, output / path.name)
    return (prof.groupby(["mechanism", "status"], sort=False).size()
            .rename("n").reset_index())


def _run(task: Callable[..., pd.DataFrame], paths: Sequence[Path], client, label: str,
         progress: bool, **kwargs: Any) -> Iterator[pd.DataFrame]:
    """Yield ``task(path, **kwargs)`` per partition in partition order."""
    bar = None
    if progress:
        from rich.progress import Progress

        bar = Progress(transient=True)
        bar.start()
        job = bar.add_task(label, total=len(paths))
    try:
        if client is None:
            for p in paths:
                yield task(p, **kwargs)
                if bar is not None:
                    bar.advance(job)
            return
        shared = {k: client.scatter(v, broadcast=True) if isinstance(v, pd.DataFrame) else v
                  for k, v in kwargs.items()}
        futures = [client.submit(task, p, pure=False, **shared) for p in paths]
        for fut in futures:  # in partition order; later ones keep running meanwhile
            result = fut.result()
            fut.release()
            if bar is not None:
                bar.advance(job)
            yield result
    finally:
        if bar is not None:
            bar.stop()


def profile_dataset(directory: str | Path, subjects: pd.DataFrame, *,
                    ref: ReferenceSet | None = None, output: str | Path | None = None,
                    scores_output: str | Path | None = None, min_n: int = 10,
                    client: Any = None, address: str | None = None, progress: bool = True,
                    **zscore_kwargs: Any) -> tuple[pd.DataFrame, ReferenceSet]:
    """Profile every subject-visit of a partitioned observations dataset.

    Parameters
    ----------
    directory : path-like
        Observations as a subject-partitioned Parquet dataset
        (:func:`painmech.io.write_partitioned`; every subject in one
        ``part-*.parquet``), validated and in canonical units.
    subjects : pandas.DataFrame
        ``subject, sex, age, condition`` of all subjects of the dataset.
    ref : ReferenceSet, optional
        Fitted reference set. Without it one named ``"fitted_from_input"`` is
        fitted once on the healthy subjects of the whole dataset (first pass).
    output : path-like, optional
        Directory for the profile, one Parquet file per input partition (same
        file names). Without it the profiles are returned (memory grows with
        the dataset).
    scores_output : path-like, optional
        Directory for the scores tables, one file per partition.
    min_n : int
        Smallest reference group kept when fitting.
    client : distributed.Client, optional
        Run each partition as a task on this Dask client.
    address : str, optional
        Dask scheduler address (``tcp://host:port``) to connect to instead.
    progress : bool
        Show a Rich progress bar per pass.
    **zscore_kwargs
        Passed to :func:`painmech.norms.zscore`.

    Returns
    -------
    result : pandas.DataFrame
        Without ``output``: the profile of every subject-visit, sorted by
        subject, visit and mechanism exactly like
        :func:`painmech.mechanisms.profile`. With ``output``: counts per
        ``mechanism, status`` (column ``n``).
    reference : ReferenceSet
        The set the z-scores were computed against.
    """
    paths = list_partitions(directory)
    out_dir = None if output is None else Path(output)
    score_dir = None if scores_output is None else Path(scores_output)
    for d in (out_dir, score_dir):
        if d is not None:
            d.mkdir(parents=True, exist_ok=True)
            for old in d.glob("part-*.parquet"):
                old.unlink()
    dask_client, owned = _client(client, address)
    try:
        if ref is None:
            condition = "healthy"
            if not subjects["condition"].astype(str).eq(condition).any():
                raise ValueError("no reference set given and no healthy subjects to fit one "
                                 "from")
            parts = [p for p in _run(_controls_task, paths, dask_client, "reference (controls)",
                                     progress, subjects=subjects, condition=condition)
                     if len(p)]
            ref = fit_reference(pd.concat(parts, ignore_index=True), subjects, min_n=min_n)
        results = [r for r in _run(_profile_task, paths, dask_client, "profile", progress,
                                   subjects=subjects, ref=ref, output=out_dir,
                                   scores_output=score_dir, zscore_kwargs=zscore_kwargs)
                   if len(r)]
    finally:
        if owned:
            dask_client.close()
    if out_dir is not None:
        counts = (pd.concat(results, ignore_index=True) if results
                  else pd.DataFrame({"mechanism": [], "status": [], "n": []}))
        return counts.groupby(["mechanism", "status"], sort=False)["n"].sum().reset_index(), ref
    if not results:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in PROFILE_COLUMNS}), ref
    return _sort_profile(pd.concat(results, ignore_index=True)), ref


def _sort_profile(prof: pd.DataFrame) -> pd.DataFrame:
    """Order like :func:`painmech.mechanisms.profile`: subject, visit, mechanism order."""
    # every subject-visit lists the mechanisms in the same order, so the order of
    # first appearance is the profile's mechanism order
    rank, _ = pd.factorize(prof["mechanism"].to_numpy(dtype=object))
    subject, _ = pd.factorize(prof["subject"].to_numpy(dtype=object), sort=True)
    idx = np.lexsort((rank, prof["visit"].to_numpy(dtype="int64"), subject))
    return prof.iloc[idx].reset_index(drop=True)


def read_profile(directory: str | Path) -> pd.DataFrame:
    """Read a partitioned profile written by :func:`profile_dataset` as one table."""
    parts = [pd.read_parquet(p) for p in list_partitions(directory)]
    return _sort_profile(pd.concat(parts, ignore_index=True))
