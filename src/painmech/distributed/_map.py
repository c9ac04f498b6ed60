"""Run per-partition functions locally or on a Dask cluster."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from painmech.io import list_partitions

__all__ = ["map_partitions", "run_sweep"]


def _read(path: Path, columns: Sequence[str] | None) -> pd.DataFrame:
    import pyarrow.parquet as pq

    return pq.read_table(path, columns=list(columns) if columns else None).to_pandas()


def _apply(path: Path, func: Callable[..., pd.DataFrame], columns, kwargs) -> pd.DataFrame:
    return func(_read(path, columns), **kwargs)


def _client(client, address):
    if client is not None:
        return client, False
    if address is not None:
        from distributed import Client

        return Client(address), True
    return None, False


def map_partitions(
    func: Callable[..., pd.DataFrame],
    directory: str | Path,
    *,
    columns: Sequence[str] | None = None,
    client: Any = None,
    address: str | None = None,
    progress: bool = True,
    **kwargs: Any,
) -> pd.DataFrame:
    """Apply ``func(partition, **kwargs)`` to every partition and concatenate.

    Parameters
    ----------
    func : callable
        A pure function of one partition's DataFrame returning a DataFrame.
        It must not depend on rows of other partitions (partitions split by
        subject, so per-subject work qualifies).
    directory : path-like
        A dataset written by :func:`painmech.io.write_partitioned`.
    columns : sequence of str, optional
        Read only these columns.
    client : distributed.Client, optional
        Run the partitions as tasks on this Dask client.
    address : str, optional
        Scheduler address (``tcp://host:port``) to connect to when no client
        is given.
    progress : bool
        Show a Rich progress bar when running locally.
    **kwargs
        Passed to ``func`` (e.g. ``subjects=``, ``ref=``). With Dask they are
        scattered once and shared by all tasks.

    Returns
    -------
    pandas.DataFrame
        The partition results in partition order.
    """
    paths = list_partitions(directory)
    dask_client, owned = _client(client, address)
    try:
        if dask_client is None:
            results = list(_local(func, paths, columns, kwargs, progress))
        else:
            shared = {k: dask_client.scatter(v, broadcast=True) if isinstance(v, pd.DataFrame)
                      else v for k, v in kwargs.items()}
            futures = [dask_client.submit(_apply, p, func, columns, shared, pure=False)
                       for p in paths]
            results = dask_client.gather(futures)
    finally:
        if owned:
            dask_client.close()
    results = [r for r in results if len(r)]
    if not results:
        return pd.DataFrame()
    return pd.concat(results, ignore_index=True)


def _local(func, paths, columns, kwargs, progress) -> Iterable[pd.DataFrame]:
    if not progress:
        for p in paths:
            yield _apply(p, func, columns, kwargs)
        return
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task("partitions", total=len(paths))
        for p in paths:
            yield _apply(p, func, columns, kwargs)
            bar.advance(task)


def run_sweep(
    func: Callable[..., pd.DataFrame],
    grid: Sequence[dict[str, Any]],
    *,
    client: Any = None,
    address: str | None = None,
) -> pd.DataFrame:
    """Run ``func(**params)`` for every parameter set of a sweep.

    Each call's result gets the parameters as extra columns. With a Dask
    client each call is one task; otherwise they run one after another. Used
    for simulation sweeps (e.g. cohort size × number of trials).
    """
    dask_client, owned = _client(client, address)
    try:
        if dask_client is None:
            results = [func(**params) for params in grid]
        else:
            futures = [dask_client.submit(func, pure=False, **params) for params in grid]
            results = dask_client.gather(futures)
    finally:
        if owned:
            dask_client.close()
    tagged = [r.assign(**{k: v for k, v in params.items() if not isinstance(v, (list, dict))})
              for r, params in zip(results, grid, strict=True)]
    return pd.concat(tagged, ignore_index=True) if tagged else pd.DataFrame()
