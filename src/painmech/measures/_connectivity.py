"""Functional connectivity of named edges from ROI time series.

Input: a long table ``subject, visit, roi, t, signal`` (one row per ROI and
time point; :func:`painmech.io.read_roi_timeseries` also reads one wide file
per scan). A *scan* is one subject and visit.

Steps:

1. ROI labels are renamed with a configurable map (e.g. ``{"LThal":
   "thalamus", "RThal": "thalamus"}``); labels mapped to the same name are
   averaged per time point (a bilateral ROI). Unmapped labels keep their own
   name in lower case.
2. Every scan must have every ROI at every time point, at least
   ``min_timepoints`` points, and no constant ROI (a flat series has no
   correlation) — otherwise a :class:`~painmech.exceptions.ValidationError`
   names the subject, visit and ROI.
3. nilearn's :class:`~nilearn.connectome.ConnectivityMeasure` computes the
   Pearson (``"correlation"``) or partial (``"partial correlation"``)
   correlation matrix of each scan with scikit-learn's *empirical* covariance;
   nilearn's default Ledoit–Wolf shrinkage would pull every r towards 0.
4. Fisher z = artanh(r) (evidence.md §9); its sampling SD is about
   1/sqrt(n − 3) for n time points (for independent samples — autocorrelated
   BOLD data have fewer effective samples).
5. Named edges become ``fc`` rows (site ``"roi_a__roi_b"``) and
   ``fc_affective_sensory_index`` = mean z of the affective edges − mean z of
   the sensory edges (positive = shift towards emotion circuitry, Hashmi et
   al. 2013 Brain 136:2751).

The default edge grouping is painmech's reading of the literature
(evidence.md §9, marked [I]): affective = mPFC–NAc (Baliki et al. 2012 Nat
Neurosci 15:1117), mPFC–amygdala, insula–amygdala; sensory = S1–thalamus,
S2–thalamus, insula–thalamus; PAG–vmPFC is reported but belongs to neither
group (descending modulation; higher in cLBP, Yu et al. 2014 NeuroImage Clin
6:100).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from painmech._utils._checks import check_option, problem_frame
from painmech.exceptions import ValidationError
from painmech.measures._instrument import IDENTIFIER, Checker
from painmech.measures._table import empty_metrics, metric_rows

__all__ = ["DEFAULT_EDGES", "ROI_COLUMNS", "connectivity_metrics", "fc_observation_metrics"]

#: Columns of a long ROI time-series table.
ROI_COLUMNS = ("subject", "visit", "roi", "t", "signal")
#: Default named edges as (roi_a, roi_b, network); network "affective" or
#: "sensory" enters the index, anything else is reported only.
DEFAULT_EDGES: tuple[tuple[str, str, str], ...] = (
    ("mpfc", "nac", "affective"),
    ("mpfc", "amygdala", "affective"),
    ("insula", "amygdala", "affective"),
    ("s1", "thalamus", "sensory"),
    ("s2", "thalamus", "sensory"),
    ("insula", "thalamus", "sensory"),
    ("pag", "vmpfc", "modulatory"),
)
_SV = ["subject", "visit"]
_PERFECT = 1.0 - 1e-12


def _fold(label: pd.Series) -> pd.Series:
    return label.str.casefold().str.replace(r"[^0-9a-z]+", "_", regex=True).str.strip("_")


def _long_scans(series: pd.DataFrame, roi_names: Mapping[str, str] | None) -> pd.DataFrame:
    chk = Checker(series, "<roi time series>", ROI_COLUMNS)
    subject = chk.text("subject", lower=False)
    chk.add(subject.eq("").to_numpy(), "subject", subject, "empty subject")
    visit = chk.number("visit", minimum=0, integer=True)
    raw = chk.text("roi", lower=False)
    t = chk.number("t")
    signal = chk.number("signal")
    names = dict(roi_names or {})

    def rename(label: pd.Series) -> pd.Series:
        mapped = label.astype(object).map(names).astype(object)
        return mapped.where(mapped.notna(), _fold(label).astype(object))

    roi = chk.per_unique("roi", rename)
    bad = ~roi.astype(str).str.match(IDENTIFIER).to_numpy(dtype=bool)
    chk.add(bad, "roi", raw, "ROI name must become an identifier (a-z, 0-9, '_'); map it "
            "with roi_names")
    chk.raise_if_problems()
    frame = pd.DataFrame({"subject": subject.to_numpy(), "visit": visit.astype("int64"),
                          "raw": raw.to_numpy(), "roi": roi.to_numpy(), "t": t,
                          "signal": signal})
    dup = frame.duplicated([*_SV, "raw", "t"]).to_numpy()
    chk.add(dup, "t", t, "time point repeated for this ROI")
    chk.raise_if_problems()
    return frame


def _scan_problems(wide: pd.DataFrame, min_t: int) -> None:
    parts = []
    gaps = wide.isna()
    if gaps.to_numpy().any():
        count = gaps.groupby(level=_SV).sum().reset_index().melt(
            id_vars=_SV, var_name="roi", value_name="n")
        count = count.loc[count["n"] > 0]
        parts.append(count.assign(column="roi", value=count["roi"],
                                  reason=count["n"].astype(str) + " missing time point(s)"))
    n_t = wide.groupby(level=_SV).size().rename("n").reset_index()
    short = n_t.loc[n_t["n"] < min_t]
    parts.append(short.assign(column="t", value=short["n"].astype(str),
                              reason=f"too few time points (minimum {min_t})"))
    spread = wide.groupby(level=_SV).std(ddof=0)
    scale = wide.abs().groupby(level=_SV).max().clip(lower=1.0)
    flat = (spread <= 1e-12 * scale).reset_index().melt(id_vars=_SV, var_name="roi",
                                                         value_name="flat")
    flat = flat.loc[flat["flat"].astype(bool)]
    parts.append(flat.assign(column="signal", value=flat["roi"],
                             reason="constant ROI series: no correlation is defined"))
    _raise_scan_problems(parts)


def _raise_scan_problems(parts: list[pd.DataFrame]) -> None:
    parts = [p for p in parts if len(p)]
    if parts:
        frame = pd.concat(parts, ignore_index=True)
        file = ("subject " + frame["subject"].astype(str) + ", visit "
                + frame["visit"].astype(str))
        raise ValidationError(problem_frame([pd.DataFrame({
            "file": file, "row": 0, "column": frame["column"],
            "value": frame["value"].astype(str), "reason": frame["reason"]})]))


def _matrices(wide: pd.DataFrame, kind: str) -> np.ndarray:
    from nilearn.connectome import ConnectivityMeasure
    from sklearn.covariance import EmpiricalCovariance

    sizes = wide.groupby(level=_SV, sort=False).size().to_numpy()
    scans = np.split(wide.to_numpy(dtype=float), np.cumsum(sizes)[:-1])
    measure = ConnectivityMeasure(cov_estimator=EmpiricalCovariance(), kind=kind,
                                  standardize=False)
    return np.asarray(measure.fit_transform(scans))


def connectivity_metrics(
    series: pd.DataFrame,
    *,
    edges: Sequence[tuple[str, str, str]] = DEFAULT_EDGES,
    roi_names: Mapping[str, str] | None = None,
    kind: str = "correlation",
    min_timepoints: int | None = None,
    all_pairs: bool = False,
) -> pd.DataFrame:
    """Fisher-z connectivity of named edges and the affective-minus-sensory index.

    Parameters
    ----------
    series : pandas.DataFrame
        ``subject, visit, roi, t, signal``: one row per ROI and time point
        (``t`` in any unit, only its order is used; ``signal`` in any unit).
    edges : sequence of (str, str, str)
        ``(roi_a, roi_b, network)`` with ROI names after renaming; network
        ``"affective"`` or ``"sensory"`` enters the index. Default
        :data:`DEFAULT_EDGES`. Edges whose ROIs are absent from *every* scan
        are skipped; an ROI present in some scans only is an error.
    roi_names : mapping of str to str, optional
        Data label → ROI name; several labels with one name are averaged.
    kind : {"correlation", "partial correlation"}
        Pearson correlation, or partial correlation given all other ROIs.
    min_timepoints : int, optional
        Minimum time points per scan. The floor is 4 for correlation (the
        Fisher-z SD 1/sqrt(n − 3) must exist) and ROIs + 2 for partial
        correlation (the covariance must be invertible with a residual degree
        of freedom); a larger value can be set, none is sourced for BOLD.
    all_pairs : bool
        Also report every other ROI pair as an ``fc`` row.

    Returns
    -------
    pandas.DataFrame
        Metrics table: ``fc`` (Fisher z, site ``"roi_a__roi_b"``, side
        ``"none"``, ``n_trials`` = time points) and
        ``fc_affective_sensory_index`` (Fisher z, site ``"none"``) when at
        least one affective and one sensory edge is present.

    Raises
    ------
    ValidationError
        For bad rows, too-short scans, constant ROIs or missing time points
        (``file`` names the subject and visit, ``value`` the ROI), and
        perfectly correlated ROI pairs.
    """
    check_option("kind", kind, ("correlation", "partial correlation"))
    frame = _long_scans(series, roi_names)
    if frame.empty:
        return empty_metrics()
    wide = (frame.groupby([*_SV, "t", "roi"], sort=True)["signal"].mean()
            .unstack("roi").sort_index())
    rois = list(wide.columns)
    floor = 4 if kind == "correlation" else len(rois) + 2
    _scan_problems(wide, max(floor, min_timepoints or 0))
    mats = _matrices(wide, kind)
    np.einsum("kii->ki", mats)[:] = 0.0  # the diagonal is not an edge
    perfect = np.argwhere(np.abs(mats) >= _PERFECT)
    scans = wide.index.droplevel("t").unique()
    if len(perfect):
        k, a, b = perfect[perfect[:, 1] < perfect[:, 2]][0]
        raise ValidationError(problem_frame([pd.DataFrame({
            "file": [f"subject {scans[k][0]}, visit {scans[k][1]}"], "row": [0],
            "column": ["roi"], "value": [f"{rois[a]}__{rois[b]}"],
            "reason": ["ROIs are perfectly correlated (duplicate series?)"]})]))
    z = np.arctanh(mats)
    wanted = _edge_table(edges, rois, all_pairs)
    ia = wanted["roi_a"].map({r: i for i, r in enumerate(rois)}).to_numpy(dtype=int)
    ib = wanted["roi_b"].map({r: i for i, r in enumerate(rois)}).to_numpy(dtype=int)
    values = z[:, ia, ib]  # scans × edges
    n_t = wide.groupby(level=_SV, sort=True).size().to_numpy()
    label = ("Pearson r (empirical covariance)" if kind == "correlation"
             else f"partial r given {len(rois) - 2} other ROIs (empirical covariance)")
    keys = pd.DataFrame({"subject": np.repeat(scans.get_level_values(0), len(wanted)),
                         "visit": np.repeat(scans.get_level_values(1), len(wanted)),
                         "site": np.tile(wanted["site"].to_numpy(), len(scans)),
                         "side": "none"})
    parts = [metric_rows(keys, "fc", values.ravel(), np.repeat(n_t, len(wanted)),
                         f"{label}; Fisher z")]
    net = wanted["network"].to_numpy()
    if (net == "affective").any() and (net == "sensory").any():
        index = (values[:, net == "affective"].mean(axis=1)
                 - values[:, net == "sensory"].mean(axis=1))
        ikeys = pd.DataFrame({"subject": scans.get_level_values(0),
                              "visit": scans.get_level_values(1), "site": "none",
                              "side": "none"})
        n_aff, n_sen = int((net == "affective").sum()), int((net == "sensory").sum())
        parts.append(metric_rows(ikeys, "fc_affective_sensory_index", index, n_t,
                                 f"mean z of {n_aff} affective − {n_sen} sensory edges; "
                                 f"{label}"))
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["subject", "visit", "metric", "site"],
                           kind="stable").reset_index(drop=True)


def _edge_table(edges, rois: list[str], all_pairs: bool) -> pd.DataFrame:
    spec = pd.DataFrame(list(edges), columns=["roi_a", "roi_b", "network"])
    bad = spec.loc[spec["roi_a"].eq(spec["roi_b"])]
    if len(bad):
        raise ValueError(f"an edge needs two different ROIs, got {bad.iloc[0].tolist()}")
    present = spec["roi_a"].isin(rois) & spec["roi_b"].isin(rois)
    spec = spec.loc[present]
    if all_pairs:
        a, b = np.triu_indices(len(rois), k=1)
        every = pd.DataFrame({"roi_a": np.asarray(rois)[a], "roi_b": np.asarray(rois)[b],
                              "network": "other"})
        named = set(zip(spec["roi_a"], spec["roi_b"], strict=True))
        named |= {(y, x) for x, y in named}
        keep = [(x, y) not in named for x, y in zip(every["roi_a"], every["roi_b"],
                                                     strict=True)]
        spec = pd.concat([spec, every.loc[keep]], ignore_index=True)
    if spec.empty:
        raise ValueError(f"no edge has both ROIs in the data; ROIs present: {', '.join(rois)}. "
                         "Pass roi_names to map your labels or edges to name other pairs")
    return spec.assign(site=spec["roi_a"] + "__" + spec["roi_b"]).reset_index(drop=True)


def fc_observation_metrics(observations: pd.DataFrame, *,
                           edges: Sequence[tuple[str, str, str]] = DEFAULT_EDGES) -> pd.DataFrame:
    """Metrics from connectivity values recorded as observations.

    For studies that computed connectivity elsewhere (e.g. CONN, fMRIPrep +
    nilearn) and enter it as measure ``fc`` (Fisher z, site
    ``"roi_a__roi_b"``). Trials are averaged per edge; the
    affective-minus-sensory index uses the networks of ``edges`` (either ROI
    order matches).

    Parameters
    ----------
    observations : pandas.DataFrame
        Validated observations; rows of other measures are ignored.
    edges : sequence of (str, str, str)
        As in :func:`connectivity_metrics`.

    Returns
    -------
    pandas.DataFrame
        Metrics table with ``fc`` rows and, when an affective and a sensory
        edge are present for a visit, ``fc_affective_sensory_index``.
    """
    rows = observations.loc[observations["measure"].eq("fc")]
    if rows.empty:
        return empty_metrics()
    agg = (rows.groupby([*_SV, "site", "side"], sort=True)["value"].agg(["mean", "size"])
           .reset_index())
    parts = [metric_rows(agg, "fc", agg["mean"], agg["size"], "mean of recorded Fisher z")]
    network = {f"{a}__{b}": n for a, b, n in edges} | {f"{b}__{a}": n for a, b, n in edges}
    agg["network"] = agg["site"].map(network)
    by_net = (agg.loc[agg["network"].isin(["affective", "sensory"])]
              .groupby([*_SV, "network"])["mean"].agg(["mean", "size"]).unstack("network"))
    if {"affective", "sensory"} <= set(by_net.columns.get_level_values(1)):
        by_net = by_net.dropna()
        index = by_net[("mean", "affective")] - by_net[("mean", "sensory")]
        keys = index.reset_index()[_SV].assign(site="none", side="none")
        n = (by_net[("size", "affective")] + by_net[("size", "sensory")]).to_numpy()
        parts.append(metric_rows(keys, "fc_affective_sensory_index", index.to_numpy(), n,
                                 "mean recorded z of affective − sensory edges"))
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["subject", "visit", "metric", "site"],
                           kind="stable").reset_index(drop=True)
