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


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.decimals(min_value="50.00", max_value="1500.00", places=2,
                                   allow_nan=False, allow_infinity=False),
                       min_size=1, max_size=12))
def test_german_and_english_files_of_the_same_data_read_identically(tmp_path, values):
    rows = [("s1", 0, "ppt", "lumbar", "left", i + 1, v, "kPa") for i, v in enumerate(values)]
    english, german = tmp_path / "en.csv", tmp_path / "de.csv"
    with english.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([COLUMNS, *[[*r[:6], str(r[6]), r[7]] for r in rows]])
    with german.open("w", newline="", encoding="latin-1") as fh:
        csv.writer(fh, delimiter=";").writerows(
            [COLUMNS, *[[*r[:6], str(r[6]).replace(".", ","), r[7]] for r in rows]])
    en = read_observations(english)
    de = read_observations(german)
    pd.testing.assert_series_equal(en["value"], de["value"])
    # the decimal text is read exactly as written (no thousands-separator guess)
    assert en["value"].tolist() == [float(v) for v in values]
