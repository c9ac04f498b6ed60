"""Connectivity metrics: series with a known correlation, and real nitime data."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from painmech.exceptions import ValidationError
from painmech.io import read_roi_timeseries
from painmech.measures._connectivity import connectivity_metrics

NITIME = Path(__file__).parents[1] / "data" / "roi_timeseries" / "fmri_timeseries.csv"
ROIS = ["mpfc", "nac", "s1", "thalamus"]
# population correlation: mPFC–NAc r = 0.5, S1–thalamus r = −0.3, mPFC–S1 0.2
CORR = np.array([[1.0, 0.5, 0.2, 0.0],
                 [0.5, 1.0, 0.0, 0.0],
                 [0.2, 0.0, 1.0, -0.3],
                 [0.0, 0.0, -0.3, 1.0]])


def _long(x, names, subject="s1", visit=0):
    n = x.shape[0]
    return pd.DataFrame({"subject": subject, "visit": visit,
                         "roi": np.repeat(names, n), "t": np.tile(np.arange(n), len(names)),
                         "signal": x.T.ravel()})


def _mixed(rng, n):
    # Cholesky mixing of independent Gaussian noise gives series whose
    # population correlation matrix is CORR
    return rng.standard_normal((n, len(ROIS))) @ np.linalg.cholesky(CORR).T


def _get(m, metric, site="none", subject="s1"):
    sel = m.loc[m["metric"].eq(metric) & m["site"].eq(site) & m["subject"].eq(subject)]
    assert len(sel) == 1
    return sel.iloc[0]


def test_known_correlation_within_sampling_error(rng):
    n = 2000
    m = connectivity_metrics(pd.concat([_long(_mixed(rng, n), ROIS, "s1"),
                                        _long(_mixed(rng, n), ROIS, "s2")]))
    se = 1 / np.sqrt(n - 3)  # SD of Fisher z for independent samples
    for subject in ("s1", "s2"):
        z_aff = _get(m, "fc", "mpfc__nac", subject)["value"]
        z_sen = _get(m, "fc", "s1__thalamus", subject)["value"]
        assert z_aff == pytest.approx(np.arctanh(0.5), abs=4 * se)
        assert z_sen == pytest.approx(np.arctanh(-0.3), abs=4 * se)
        index = _get(m, "fc_affective_sensory_index", subject=subject)
        assert index["value"] == pytest.approx(z_aff - z_sen)  # one edge each
        assert index["n_trials"] == n
    assert _get(m, "fc", "mpfc__nac")["unit"] == "fisher_z"


def test_exact_against_numpy(rng):
    x = _mixed(rng, 300)
    m = connectivity_metrics(_long(x, ROIS))
    r = np.corrcoef(x.T)  # reference: numpy's Pearson correlation
    assert _get(m, "fc", "mpfc__nac")["value"] == pytest.approx(np.arctanh(r[0, 1]), rel=1e-10)


def test_partial_correlation_against_precision_matrix(rng):
    x = _mixed(rng, 3000)
    m = connectivity_metrics(_long(x, ROIS), kind="partial correlation")
    # reference: partial r_ij = −P_ij / sqrt(P_ii P_jj), P = inverse covariance
    prec = np.linalg.inv(np.cov(x.T, bias=True))
    partial = -prec[0, 1] / np.sqrt(prec[0, 0] * prec[1, 1])
    assert _get(m, "fc", "mpfc__nac")["value"] == pytest.approx(np.arctanh(partial), rel=1e-8)
    # population partial correlation of mPFC–NAc given S1 and thalamus
    pop = np.linalg.inv(CORR)
    expected = -pop[0, 1] / np.sqrt(pop[0, 0] * pop[1, 1])
    assert _get(m, "fc", "mpfc__nac")["value"] == pytest.approx(
        np.arctanh(expected), abs=4 / np.sqrt(3000 - 3 - 2))


def test_real_nitime_series_with_roi_map():
    series = read_roi_timeseries(NITIME, subject="nitime")
    names = {"LThal": "thalamus", "RThal": "thalamus", "LAmy": "amygdala",
             "RAmy": "amygdala", "LHip": "hippocampus", "RHip": "hippocampus",
             "LCau": "caudate", "RCau": "caudate"}
    edges = [("amygdala", "hippocampus", "affective"), ("thalamus", "caudate", "sensory")]
    m = connectivity_metrics(series, edges=edges, roi_names=names)
    raw = pd.read_csv(NITIME)  # reference: pandas + numpy on the file itself
    amy = (raw["LAmy"] + raw["RAmy"]) / 2
    hip = (raw["LHip"] + raw["RHip"]) / 2
    thal = (raw["LThal"] + raw["RThal"]) / 2
    cau = (raw["LCau"] + raw["RCau"]) / 2
    z1 = np.arctanh(np.corrcoef(amy, hip)[0, 1])
    z2 = np.arctanh(np.corrcoef(thal, cau)[0, 1])
    assert _get(m, "fc", "amygdala__hippocampus", "nitime")["value"] == pytest.approx(z1)
    assert _get(m, "fc", "thalamus__caudate", "nitime")["value"] == pytest.approx(z2)
    assert _get(m, "fc_affective_sensory_index", subject="nitime")["value"] == pytest.approx(
        z1 - z2)
    assert _get(m, "fc", "amygdala__hippocampus", "nitime")["n_trials"] == 250


def test_all_pairs_on_real_data():
    series = read_roi_timeseries(NITIME, subject="nitime")
    m = connectivity_metrics(series, edges=[], all_pairs=True)
    assert (m["metric"] == "fc").sum() == 31 * 30 // 2
    assert not m["metric"].eq("fc_affective_sensory_index").any()
    assert "lamy__ramy" in set(m["site"])


def test_too_short_series_names_the_scan(rng):
    series = _long(_mixed(rng, 3), ROIS, subject="p7", visit=2)
    with pytest.raises(ValidationError, match=r"subject p7, visit 2.*too few time points"):
        connectivity_metrics(series)
    with pytest.raises(ValidationError, match="minimum 50"):
        connectivity_metrics(_long(_mixed(rng, 20), ROIS), min_timepoints=50)
    with pytest.raises(ValidationError, match="minimum 6"):  # 4 ROIs + 2
        connectivity_metrics(_long(_mixed(rng, 5), ROIS), kind="partial correlation")


def test_constant_roi_names_subject_visit_roi(rng):
    x = _mixed(rng, 100)
    x[:, 3] = 7.0
    with pytest.raises(ValidationError, match=r"subject s1, visit 0, .*'thalamus'.*constant"):
        connectivity_metrics(_long(x, ROIS))


def test_missing_time_points_and_duplicates(rng):
    series = _long(_mixed(rng, 50), ROIS)
    gap = series.drop(index=series.index[(series["roi"] == "nac") & (series["t"] == 10)])
    with pytest.raises(ValidationError, match="1 missing time point"):
        connectivity_metrics(gap)
    with pytest.raises(ValidationError, match="time point repeated"):
        connectivity_metrics(pd.concat([series, series.iloc[:1]]))


def test_identical_series_are_refused(rng):
    x = _mixed(rng, 100)
    x[:, 1] = x[:, 0]
    with pytest.raises(ValidationError, match="perfectly correlated"):
        connectivity_metrics(_long(x, ROIS))


def test_no_matching_edge(rng):
    with pytest.raises(ValueError, match="no edge has both ROIs"):
        connectivity_metrics(_long(_mixed(rng, 50), ["a", "b", "c", "d"]))


def test_recorded_fc_observations_through_compute_metrics():
    from painmech.measures import compute_metrics

    obs = pd.DataFrame({
        "subject": "s1", "visit": 0, "measure": "fc", "side": "none",
        "site": ["mpfc__nac", "mpfc__nac", "thalamus__s1", "pag__vmpfc"],
        "trial": [1, 2, 1, 1], "value": [0.4, 0.6, 0.2, 0.9], "unit": "fisher_z"})
    m = compute_metrics(obs)
    assert _get(m, "fc", "mpfc__nac")["value"] == pytest.approx(0.5)  # (0.4 + 0.6) / 2
    # affective mPFC–NAc 0.5 minus sensory S1–thalamus (written thalamus__s1) 0.2
    assert _get(m, "fc_affective_sensory_index")["value"] == pytest.approx(0.3)
    assert _get(m, "fc", "pag__vmpfc")["value"] == pytest.approx(0.9)
