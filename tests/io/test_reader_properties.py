"""Property test: arbitrary tables never crash the reader."""

import csv

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from painmech.exceptions import InputFormatError, ValidationError
from painmech.io import read_observations

COLUMNS = ["subject", "visit", "measure", "site", "side", "trial", "value", "unit"]
cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["ppt", "crp", "lumbar", "none", "left", "kPa", "mg/L", "1", "2,5",
                     "3.5", "-1", "inf", "NaN", "", "1e400", "°C", "N/cm²"]),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    header=st.lists(st.sampled_from(COLUMNS + ["name", "x"]), min_size=1, max_size=9),
    rows=st.lists(st.lists(cell, min_size=0, max_size=10), max_size=8),
    sep=st.sampled_from([",", ";", "\t"]),
)
def test_reader_validates_or_reports(tmp_path, header, rows, sep):
    path = tmp_path / "prop.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, delimiter=sep)
        writer.writerow(header)
        writer.writerows(rows)
    try:
        out = read_observations(path)
    except ValidationError as err:
        probs = err.problems
        assert len(probs) > 0
        assert list(probs.columns) == ["file", "row", "column", "value", "reason"]
        assert (probs["reason"].str.len() > 0).all()
    except InputFormatError as err:
        assert str(path) in str(err) or "row" in str(err)
    else:
        assert isinstance(out, pd.DataFrame)
        assert out["value"].notna().all()
