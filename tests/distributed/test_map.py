"""Local and Dask runs of per-partition functions give identical tables."""

import pandas as pd
import pytest

from painmech.distributed import map_partitions, run_sweep
from painmech.io import write_partitioned


def _subject_means(part: pd.DataFrame, scale: float = 1.0) -> pd.DataFrame:
    return (part.groupby("subject", sort=True)["value"].mean() * scale).reset_index()


def _sweep_cell(n: int, shift: float) -> pd.DataFrame:
    return pd.DataFrame({"x": [n + shift]})


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as lc, distributed.Client(lc) as c:
        yield c


def test_local_equals_dask(tmp_path, rng, cluster):
    table = pd.DataFrame({"subject": [f"s{i % 50}" for i in range(1000)],
                          "value": rng.normal(size=1000)})
    write_partitioned(table, tmp_path, 6)
    local = map_partitions(_subject_means, tmp_path, progress=False, scale=2.0)
    remote = map_partitions(_subject_means, tmp_path, client=cluster, scale=2.0)
    pd.testing.assert_frame_equal(local, remote)
    # the per-partition result equals a whole-table computation (subjects never split)
    whole = _subject_means(table, 2.0).sort_values("subject").reset_index(drop=True)
    pd.testing.assert_frame_equal(
        local.sort_values("subject").reset_index(drop=True), whole)


def test_sweep_local_equals_dask(cluster):
    grid = [{"n": n, "shift": s} for n in (1, 2) for s in (0.5, 1.5)]
    local = run_sweep(_sweep_cell, grid)
    remote = run_sweep(_sweep_cell, grid, client=cluster)
    pd.testing.assert_frame_equal(local, remote)
    assert local["x"].tolist() == [1.5, 2.5, 2.5, 3.5]
