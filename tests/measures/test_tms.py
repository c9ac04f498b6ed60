"""TMS map metrics against hand-calculated grids."""

import numpy as np
import pandas as pd
import pytest

from painmech.exceptions import ValidationError
from painmech.measures._tms import tms_map_metrics, tms_site_means

# Two 3 × 3 maps on a 1 cm grid, x = -1, 0, 1 (columns), y = 0, 1, 2 (rows).
# Site means in µV:
#
#   deep_multifidus        longissimus
#   y=0: 100  20   0       0   0   0
#   y=1:  20  10  60       0  50  90
#   y=2:   0  40  80       0  30  70
MAP_A = np.array([[100, 20, 0], [20, 10, 60], [0, 40, 80]], dtype=float)
MAP_B = np.array([[0, 0, 0], [0, 50, 90], [0, 30, 70]], dtype=float)


def _grid(maps, xs=(-1.0, 0.0, 1.0), ys=(0.0, 1.0, 2.0), subject="s1", hemisphere="left"):
    rows = []
    for muscle, amp in maps.items():
        for iy, y in enumerate(ys):
            for ix, x in enumerate(xs):
                a = amp[iy, ix]
                # two stimuli per site, a ± 5 µV, so the site mean is a
                pulses = (a, a) if a == 0 else (a - 5, a + 5)
                for k, v in enumerate(pulses, start=1):
                    rows.append({"subject": subject, "visit": 0, "muscle": muscle,
                                 "hemisphere": hemisphere, "x_cm": x, "y_cm": y,
                                 "stimulus": k, "mep_uv": v})
    return pd.DataFrame(rows)


def _value(metrics, metric, site):
    sel = metrics.loc[metrics["metric"].eq(metric) & metrics["site"].eq(site), "value"]
    assert len(sel) == 1
    return float(sel.iloc[0])


@pytest.fixture
def two_maps():
    return _grid({"deep_multifidus": MAP_A, "longissimus": MAP_B})


def test_site_means_average_the_stimuli(two_maps):
    sites = tms_site_means(two_maps)
    assert len(sites) == 18
    top = sites.loc[sites["muscle"].eq("deep_multifidus") & sites["x_cm"].eq(-1.0)
                    & sites["y_cm"].eq(0.0)]
    assert top["mep_uv"].item() == 100.0  # (95 + 105) / 2
    assert top["n_stimuli"].item() == 2


def test_centre_of_gravity(two_maps):
    m = tms_map_metrics(two_maps)
    # A: Σ A = 330; Σ x·A = -1·(100+20+0) + 0·70 + 1·(0+60+80) = 20 → 20/330
    #    Σ y·A = 0·120 + 1·90 + 2·120 = 330 → 330/330 = 1
    assert _value(m, "tms_cog_x", "deep_multifidus") == pytest.approx(20 / 330)
    assert _value(m, "tms_cog_y", "deep_multifidus") == pytest.approx(1.0)
    # B: Σ A = 240; Σ x·A = 0·80 + 1·160 = 160; Σ y·A = 1·140 + 2·100 = 340
    assert _value(m, "tms_cog_x", "longissimus") == pytest.approx(160 / 240)
    assert _value(m, "tms_cog_y", "longissimus") == pytest.approx(340 / 240)


def test_volume_area_peaks(two_maps):
    m = tms_map_metrics(two_maps)
    assert _value(m, "tms_volume", "deep_multifidus") == 330.0
    assert _value(m, "tms_volume", "longissimus") == 240.0
    # A: max 100, sites > 50: 100, 60, 80 → 3 sites × 1 cm² = 3 cm²
    assert _value(m, "tms_area", "deep_multifidus") == 3.0
    # A: 60 (x=1,y=1) and 80 (x=1,y=2) share an edge → one cluster; 100 alone → 2 peaks
    assert _value(m, "tms_peaks", "deep_multifidus") == 2.0
    # B: max 90, sites > 45: 50, 90, 70 all edge-connected → 1 peak; area 3 cm²
    assert _value(m, "tms_peaks", "longissimus") == 1.0
    assert _value(m, "tms_area", "longissimus") == 3.0
    assert set(m["side"]) == {"left"}
    assert (m.loc[m["metric"].eq("tms_volume"), "n_trials"] == 18).all()  # 9 sites × 2


def test_distance_and_overlap(two_maps):
    m = tms_map_metrics(two_maps)
    pair = "deep_multifidus__longissimus"
    # dx = 160/240 - 20/330, dy = 340/240 - 1
    expected = np.hypot(160 / 240 - 20 / 330, 340 / 240 - 1.0)
    assert _value(m, "tms_cog_distance", pair) == pytest.approx(expected)
    assert expected == pytest.approx(0.73547, abs=1e-5)
    # active A = {(-1,0), (1,1), (1,2)}, active B = {(0,1), (1,1), (1,2)}:
    # shared 2, combined 4 → Jaccard 0.5
    assert _value(m, "tms_overlap", pair) == 0.5


def test_explicit_pair_keeps_given_order(two_maps):
    m = tms_map_metrics(two_maps, pairs=[("longissimus", "deep_multifidus")])
    assert set(m.loc[m["metric"].eq("tms_overlap"), "site"]) == {
        "longissimus__deep_multifidus"}


def test_diagonal_sites_are_separate_peaks():
    # 80 at (0,0) and (1,1), nothing elsewhere: diagonal neighbours are not
    # 4-connected, so there are 2 peaks (8-connectivity would give 1)
    grid = _grid({"longissimus": np.array([[80.0, 0.0], [0.0, 80.0]])}, xs=(0.0, 1.0),
                 ys=(0.0, 1.0))
    m = tms_map_metrics(grid)
    assert _value(m, "tms_peaks", "longissimus") == 2.0


def test_absolute_threshold_and_spacing(two_maps):
    half = two_maps.assign(x_cm=two_maps["x_cm"] * 0.5, y_cm=two_maps["y_cm"] * 0.5)
    m = tms_map_metrics(half, spacing_cm=0.5, area_threshold=25.0, area_threshold_unit="uV")
    # A sites > 25 µV: 100, 60, 40, 80 → 4 cells × 0.25 cm² = 1 cm²
    assert _value(m, "tms_area", "deep_multifidus") == pytest.approx(1.0)
    # CoG scales with the coordinates: 0.5 · 20/330
    assert _value(m, "tms_cog_x", "deep_multifidus") == pytest.approx(0.5 * 20 / 330)


def test_maps_are_separated_by_subject_and_hemisphere(two_maps):
    other = _grid({"deep_multifidus": MAP_B}, subject="s2", hemisphere="R")
    m = tms_map_metrics(pd.concat([two_maps, other], ignore_index=True))
    s2 = m.loc[m["subject"].eq("s2")]
    assert set(s2["side"]) == {"right"}
    assert s2.loc[s2["metric"].eq("tms_volume"), "value"].item() == 240.0
    assert not s2["metric"].eq("tms_overlap").any()  # only one muscle mapped


def test_all_zero_map_has_no_cog():
    grid = _grid({"longissimus": np.zeros((2, 2))}, xs=(0.0, 1.0), ys=(0.0, 1.0))
    m = tms_map_metrics(grid)
    assert np.isnan(_value(m, "tms_cog_x", "longissimus"))
    assert np.isnan(_value(m, "tms_peaks", "longissimus"))
    assert _value(m, "tms_volume", "longissimus") == 0.0


def test_bad_rows_are_listed(two_maps):
    bad = two_maps.copy()
    bad.loc[3, "mep_uv"] = -1.0
    bad.loc[5, "hemisphere"] = "up"
    bad.loc[7, "x_cm"] = 0.4
    with pytest.raises(ValidationError, match="must be ≥ 0") as err:
        tms_map_metrics(bad)
    problems = err.value.problems
    assert set(problems["column"]) == {"mep_uv", "hemisphere", "x_cm"}
    assert problems.loc[problems["column"].eq("x_cm"), "row"].item() == 9  # index 7 + 2


def test_missing_column():
    with pytest.raises(ValidationError, match="required column is missing"):
        tms_map_metrics(pd.DataFrame({"subject": ["s1"]}))


@pytest.mark.parametrize("kw, msg", [
    ({"area_threshold_unit": "mV"}, "area_threshold_unit"),
    ({"peak_fraction": 1.5}, "peak_fraction"),
    ({"spacing_cm": 0}, "spacing_cm"),
])
def test_bad_parameters(two_maps, kw, msg):
    with pytest.raises(ValueError, match=msg):
        tms_map_metrics(two_maps, **kw)
