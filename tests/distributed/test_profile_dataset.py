"""The partitioned and Dask profile runs equal the whole-table pipeline exactly."""

import pandas as pd
import pytest

from painmech.distributed import profile_dataset, read_profile, run_sweep
from painmech.io import write_partitioned
from painmech.pipeline import run_profile
from painmech.simulation import simulate_cohort


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    res = simulate_cohort(84, visits=2, seed=5, instruments=())
    directory = tmp_path_factory.mktemp("obs")
    write_partitioned(res.observations, directory, 3)
    return res.subjects, res.observations, directory


@pytest.fixture(scope="module")
def whole(dataset):
    subjects, obs, _ = dataset
    return run_profile(obs, subjects)


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as lc, distributed.Client(lc) as c:
        yield c


def _key_sorted(frame):
    return frame.sort_values(["subject", "visit", "mechanism"]).reset_index(drop=True)


def test_local_partitions_equal_whole_table(dataset, whole, tmp_path):
    subjects, obs, directory = dataset
    prof, ref = profile_dataset(directory, subjects, progress=False)
    pd.testing.assert_frame_equal(ref.table_, whole.reference.table_, check_exact=True)
    pd.testing.assert_frame_equal(prof, whole.profile, check_exact=True)
    # written partition by partition, read back as one table
    counts, _ = profile_dataset(directory, subjects, ref=ref, output=tmp_path / "prof",
                                scores_output=tmp_path / "scores", progress=False)
    assert len(list((tmp_path / "prof").glob("part-*.parquet"))) == 3
    assert counts["n"].sum() == len(whole.profile)
    back = read_profile(tmp_path / "prof")
    pd.testing.assert_frame_equal(_key_sorted(back), _key_sorted(whole.profile),
                                  check_exact=True, check_dtype=False)
    scores = pd.concat([pd.read_parquet(p) for p in sorted((tmp_path / "scores").iterdir())])
    assert len(scores) == len(whole.scores)


def test_dask_equals_single_machine(dataset, whole, cluster):
    subjects, _, directory = dataset
    remote, ref = profile_dataset(directory, subjects, client=cluster, progress=False)
    pd.testing.assert_frame_equal(ref.table_, whole.reference.table_, check_exact=True)
    pd.testing.assert_frame_equal(_key_sorted(remote), _key_sorted(whole.profile),
                                  check_exact=True)


def _sweep_profile(n: int, seed: int) -> pd.DataFrame:
    res = simulate_cohort(n, seed=seed, instruments=())
    prof = run_profile(res.observations, res.subjects).profile
    return prof.groupby(["mechanism", "status"]).size().rename("n").reset_index()


def test_simulation_sweep_on_dask_equals_local(cluster):
    grid = [{"n": 42, "seed": s} for s in (1, 2)]
    local = run_sweep(_sweep_profile, grid)
    remote = run_sweep(_sweep_profile, grid, client=cluster)
    pd.testing.assert_frame_equal(remote, local, check_exact=True)
    assert set(local["seed"]) == {1, 2}
