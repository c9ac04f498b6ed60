"""Subject-partitioned Parquet datasets."""

import numpy as np
import pandas as pd
import pytest

from painmech.exceptions import InputFormatError
from painmech.io import iter_partitions, list_partitions, partition_of, write_partitioned


def test_round_trip_keeps_every_row_and_subjects_together(tmp_path, rng):
    n = 2000
    table = pd.DataFrame({"subject": [f"s{i % 137}" for i in range(n)],
                          "value": rng.normal(size=n)})
    write_partitioned(table, tmp_path, 7)
    parts = list(iter_partitions(tmp_path))
    assert len(parts) == 7
    back = pd.concat(parts, ignore_index=True)
    assert len(back) == n
    # every subject lives in exactly one partition
    owners = pd.concat([p[["subject"]].drop_duplicates().assign(k=i)
                        for i, p in enumerate(parts)])
    assert owners["subject"].is_unique
    merged = back.sort_values(["subject", "value"]).reset_index(drop=True)
    expected = table.sort_values(["subject", "value"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(merged, expected)


def test_partition_is_stable():
    s = pd.Series(["a", "b", "c"])
    first = partition_of(s, 5)
    assert np.array_equal(first, partition_of(s.copy(), 5))
    assert first.min() >= 0 and first.max() < 5


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="n_partitions"):
        partition_of(pd.Series(["a"]), 0)
    with pytest.raises(InputFormatError, match="no part"):
        list_partitions(tmp_path)
