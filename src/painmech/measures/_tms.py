"""TMS motor-cortex maps: centre of gravity, volume, area, discrete peaks, overlap.

A map is the set of grid sites stimulated for one muscle in one hemisphere of
one subject at one visit. The grid table has one row per stimulus::

    subject, visit, muscle, hemisphere, x_cm, y_cm, stimulus, mep_uv

Definitions (evidence.md §7; Tsao et al. 2011 Spine 36:1721; Schabrun et al.
2017 Spine 42:1172; Elgueta-Cancino et al. 2018 Clin J Pain):

* site amplitude ``A_i``: mean peak-to-peak MEP (µV) of the stimuli at site i;
* centre of gravity ``CoG_x = Σ x_i A_i / Σ A_i`` (likewise y), in cm in the
  grid's own frame (usually relative to the vertex). Normalising ``A`` to the
  map maximum, as some labs do, does not change the CoG;
* map volume ``Σ A_i`` over all sites (µV);
* map area: number of *active* sites (``A_i`` above the area threshold) times
  the grid cell area (cm²);
* discrete peaks: sites with ``A_i`` above 50 % of the map maximum form
  clusters of edge-sharing (4-connected) grid neighbours; each cluster is one
  peak, so two peaks are separated by at least one site below 50 % (or not
  stimulated). Diagonal neighbours are *not* connected;
* between two muscles of the same hemisphere: CoG distance (cm) and overlap =
  Jaccard index of their active-site sets (shared / combined), 0–1.

All maps of a table are processed together: site means and CoGs by group
sums, peaks by one :func:`scipy.ndimage.label` call on a stack of grids whose
structuring element connects sites only within a map.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import ndimage

from painmech._utils._checks import check_option
from painmech.measures._instrument import HEMISPHERES, Checker
from painmech.measures._table import empty_metrics, metric_rows

__all__ = ["TMS_COLUMNS", "tms_map_metrics", "tms_site_means"]

#: Columns of a TMS grid table.
TMS_COLUMNS = ("subject", "visit", "muscle", "hemisphere", "x_cm", "y_cm", "stimulus",
               "mep_uv")
_MAP = ["subject", "visit", "muscle", "hemisphere"]
# Coordinates within this fraction of the spacing of a lattice point are on it.
_LATTICE_TOL = 1e-3
# 4-connectivity inside each map, nothing across the stacked maps (axis 0).
_STRUCTURE = np.zeros((3, 3, 3), dtype=bool)
_STRUCTURE[1] = [[0, 1, 0], [1, 1, 1], [0, 1, 0]]


def _check_grid(grid: pd.DataFrame, spacing_cm: float) -> pd.DataFrame:
    chk = Checker(grid, "<tms grid>", TMS_COLUMNS)
    subject = chk.text("subject", lower=False)
    chk.add(subject.eq("").to_numpy(), "subject", subject, "empty subject")
    visit = chk.number("visit", minimum=0, integer=True)
    muscle = chk.identifier("muscle")
    hemi = chk.mapped("hemisphere", HEMISPHERES, "left or right")
    x = chk.number("x_cm")
    y = chk.number("y_cm")
    stim = chk.number("stimulus", minimum=1, integer=True)
    mep = chk.number("mep_uv", minimum=0.0)
    origin = []
    for col, val in (("x_cm", x), ("y_cm", y)):
        lo = float(np.min(val, initial=np.inf, where=np.isfinite(val)))
        with np.errstate(invalid="ignore"):
            off = np.abs((val - lo) / spacing_cm - np.rint((val - lo) / spacing_cm))
        chk.add(off > _LATTICE_TOL, col, val,
                f"not on the {spacing_cm:g} cm grid (pass spacing_cm)")
        origin.append(lo)
    chk.raise_if_problems()
    ix = np.rint((x - origin[0]) / spacing_cm)
    iy = np.rint((y - origin[1]) / spacing_cm)
    clean = pd.DataFrame({"subject": subject.to_numpy(), "visit": visit.astype("int64"),
                          "muscle": muscle.to_numpy(), "hemisphere": hemi.to_numpy(),
                          "ix": ix.astype("int64"), "iy": iy.astype("int64"),
                          "stimulus": stim.astype("int64"), "mep_uv": mep})
    dup = clean.duplicated([*_MAP, "ix", "iy", "stimulus"]).to_numpy()
    chk.add(dup, "stimulus", stim, "stimulus number repeated at this site")
    chk.raise_if_problems()
    clean.attrs["origin"] = tuple(origin)
    return clean


def tms_site_means(grid: pd.DataFrame, *, spacing_cm: float = 1.0) -> pd.DataFrame:
    """Mean MEP amplitude per grid site of every map.

    Parameters
    ----------
    grid : pandas.DataFrame
        TMS grid table (see :data:`TMS_COLUMNS`); ``mep_uv`` in µV ≥ 0,
        ``x_cm``/``y_cm`` in cm, ``hemisphere`` left/right (l/r, lh/rh, links/
        rechts accepted).
    spacing_cm : float
        Grid spacing in cm; every coordinate must lie on this lattice. Default
        1 cm, the usual trunk-muscle grid referenced to the vertex
        (evidence.md §7).

    Returns
    -------
    pandas.DataFrame
        ``subject, visit, muscle, hemisphere, x_cm, y_cm, mep_uv`` (mean, µV),
        ``n_stimuli``, and the integer lattice indices ``ix, iy``.

    Raises
    ------
    ValidationError
        Listing every row with a missing column, a non-number, a negative MEP,
        an unknown hemisphere, an off-grid coordinate or a repeated stimulus.
    """
    if not np.isfinite(spacing_cm) or spacing_cm <= 0:
        raise ValueError(f"spacing_cm must be a positive number of cm, got {spacing_cm!r}")
    clean = _check_grid(grid, spacing_cm)
    x0, y0 = clean.attrs["origin"]
    sites = (clean.groupby([*_MAP, "ix", "iy"], sort=True)
             .agg(mep_uv=("mep_uv", "mean"), n_stimuli=("mep_uv", "size")).reset_index())
    sites["x_cm"] = x0 + sites["ix"] * spacing_cm
    sites["y_cm"] = y0 + sites["iy"] * spacing_cm
    return sites[[*_MAP, "x_cm", "y_cm", "mep_uv", "n_stimuli", "ix", "iy"]]


def _count_peaks(sites: pd.DataFrame, map_id: np.ndarray, above: np.ndarray) -> np.ndarray:
    n_maps = int(map_id.max()) + 1
    stack = np.zeros((n_maps, int(sites["iy"].max()) + 1, int(sites["ix"].max()) + 1), bool)
    stack[map_id[above], sites["iy"].to_numpy()[above], sites["ix"].to_numpy()[above]] = True
    labels, _ = ndimage.label(stack, structure=_STRUCTURE)
    lab = labels[map_id[above], sites["iy"].to_numpy()[above], sites["ix"].to_numpy()[above]]
    per_map = pd.Series(lab).groupby(map_id[above]).nunique()
    return per_map.reindex(range(n_maps), fill_value=0).to_numpy()


def _pair_table(maps: pd.DataFrame, pairs) -> pd.DataFrame:
    keys = ["subject", "visit", "hemisphere"]
    left = maps.rename(columns={c: f"{c}_a" for c in maps.columns if c not in keys})
    right = maps.rename(columns={c: f"{c}_b" for c in maps.columns if c not in keys})
    both = left.merge(right, on=keys)
    if pairs is None:
        both = both.loc[both["muscle_a"] < both["muscle_b"]]
    else:
        wanted = pd.DataFrame([(str(a).casefold(), str(b).casefold()) for a, b in pairs],
                              columns=["muscle_a", "muscle_b"]).drop_duplicates()
        both = both.merge(wanted, on=["muscle_a", "muscle_b"])
    return both.reset_index(drop=True)


def tms_map_metrics(
    grid: pd.DataFrame,
    *,
    spacing_cm: float = 1.0,
    area_threshold: float = 50.0,
    area_threshold_unit: str = "percent_max",
    peak_fraction: float = 0.5,
    pairs: Sequence[tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """Motor-map metrics of every muscle, hemisphere, subject and visit.

    Parameters
    ----------
    grid : pandas.DataFrame
        TMS grid table ``subject, visit, muscle, hemisphere, x_cm, y_cm,
        stimulus, mep_uv`` (one row per stimulus; MEP peak-to-peak in µV;
        coordinates in cm).
    spacing_cm : float
        Grid spacing in cm (default 1 cm, evidence.md §7). Sets the cell area
        ``spacing_cm**2`` and the neighbourhood used for peaks.
    area_threshold : float
        A site is *active* (counts for area and overlap) when its mean MEP is
        strictly above this threshold. Default 50 (% of the map maximum), the
        same criterion evidence.md §7 gives for a discrete peak; studies use
        several thresholds and none is established for trunk muscles, so state
        the one you use.
    area_threshold_unit : {"percent_max", "uV"}
        Whether ``area_threshold`` is a percentage of the map maximum or an
        absolute amplitude in µV.
    peak_fraction : float
        Fraction of the map maximum a site must exceed to belong to a peak
        (default 0.5, evidence.md §7 [R]).
    pairs : sequence of (str, str), optional
        Muscle pairs for ``tms_cog_distance`` and ``tms_overlap`` (e.g.
        ``[("deep_multifidus", "longissimus")]``). Default: every pair of
        muscles mapped in the same subject, visit and hemisphere, named in
        alphabetical order.

    Returns
    -------
    pandas.DataFrame
        Metrics table (``subject, visit, metric, site, side, value, unit,
        n_trials, method, censored``) with ``site`` = muscle (or
        ``"muscle_a__muscle_b"``) and ``side`` = hemisphere. Metrics:
        ``tms_cog_x``, ``tms_cog_y`` (cm), ``tms_volume`` (µV), ``tms_area``
        (cm²), ``tms_peaks`` (count), ``tms_cog_distance`` (cm),
        ``tms_overlap`` (ratio 0–1). ``n_trials`` is the number of stimuli. A
        map whose MEPs are all zero has NaN CoG and peaks (reason in
        ``method``).

    Raises
    ------
    ValidationError
        For bad rows of ``grid`` (see :func:`tms_site_means`).
    ValueError
        For invalid parameters.

    Examples
    --------
    >>> metrics = tms_map_metrics(grid, pairs=[("deep_multifidus", "longissimus")])
    ... # doctest: +SKIP
    """
    check_option("area_threshold_unit", area_threshold_unit, ("percent_max", "uV"))
    if not 0 < peak_fraction < 1:
        raise ValueError(f"peak_fraction must be between 0 and 1, got {peak_fraction!r}")
    if not np.isfinite(area_threshold) or area_threshold < 0:
        raise ValueError(f"area_threshold must be ≥ 0, got {area_threshold!r}")
    sites = tms_site_means(grid, spacing_cm=spacing_cm)
    if sites.empty:
        return empty_metrics()
    map_id = sites.groupby(_MAP, sort=True).ngroup().to_numpy()
    amp = sites["mep_uv"].to_numpy()
    grouped = pd.DataFrame({"m": map_id, "a": amp, "ax": amp * sites["x_cm"].to_numpy(),
                            "ay": amp * sites["y_cm"].to_numpy(),
                            "n": sites["n_stimuli"].to_numpy()}).groupby("m")
    peak_amp = grouped["a"].transform("max").to_numpy()
    if area_threshold_unit == "percent_max":
        active = amp > area_threshold / 100.0 * peak_amp
        thr_text = f"{area_threshold:g} % of max"
    else:
        active = amp > area_threshold
        thr_text = f"{area_threshold:g} uV"
    above = (amp > peak_fraction * peak_amp) & (peak_amp > 0)
    sums = grouped.agg(vol=("a", "sum"), ax=("ax", "sum"), ay=("ay", "sum"), n=("n", "sum"))
    maps = sites.loc[~pd.Series(map_id).duplicated().to_numpy(), _MAP].reset_index(drop=True)
    vol = sums["vol"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        maps["cog_x"] = np.where(vol > 0, sums["ax"].to_numpy() / vol, np.nan)
        maps["cog_y"] = np.where(vol > 0, sums["ay"].to_numpy() / vol, np.nan)
    maps["n"] = sums["n"].to_numpy()
    maps["n_active"] = np.bincount(map_id, weights=active, minlength=len(maps))
    peaks = _count_peaks(sites, map_id, above).astype(float)
    peaks[vol <= 0] = np.nan
    cell = spacing_cm**2
    base = f"grid {spacing_cm:g} cm; active > {thr_text}"
    why = np.where(vol > 0, "", "; all MEPs are zero: no CoG or peaks")
    keys = maps.rename(columns={"muscle": "site", "hemisphere": "side"})
    parts = [
        metric_rows(keys, "tms_cog_x", maps["cog_x"], maps["n"], "amplitude-weighted" + why),
        metric_rows(keys, "tms_cog_y", maps["cog_y"], maps["n"], "amplitude-weighted" + why),
        metric_rows(keys, "tms_volume", vol, maps["n"], "sum of site mean MEPs"),
        metric_rows(keys, "tms_area", maps["n_active"] * cell, maps["n"], base),
        metric_rows(keys, "tms_peaks", peaks, maps["n"],
                    f"clusters > {peak_fraction:.0%} of max, 4-connected" + why),
    ]
    parts.append(_pair_metrics(sites.assign(_active=active), maps, pairs, base))
    out = pd.concat([p for p in parts if len(p)], ignore_index=True)
    return out.sort_values(["subject", "visit", "metric", "site", "side"],
                           kind="stable").reset_index(drop=True)


def _pair_metrics(sites: pd.DataFrame, maps: pd.DataFrame, pairs, base: str) -> pd.DataFrame:
    both = _pair_table(maps, pairs)
    if both.empty:
        return empty_metrics()
    act = sites.loc[sites["_active"], ["subject", "visit", "hemisphere", "muscle", "ix", "iy"]]
    shared = act.merge(act, on=["subject", "visit", "hemisphere", "ix", "iy"],
                       suffixes=("_a", "_b"))
    n_shared = (shared.groupby(["subject", "visit", "hemisphere", "muscle_a", "muscle_b"])
                .size().rename("n_shared").reset_index())
    both = both.merge(n_shared, how="left", on=list(n_shared.columns[:-1]))
    inter = both["n_shared"].fillna(0).to_numpy()
    union = both["n_active_a"].to_numpy() + both["n_active_b"].to_numpy() - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        jaccard = np.where(union > 0, inter / union, np.nan)
    dist = np.hypot(both["cog_x_a"] - both["cog_x_b"], both["cog_y_a"] - both["cog_y_b"])
    keys = pd.DataFrame({"subject": both["subject"], "visit": both["visit"],
                         "site": both["muscle_a"] + "__" + both["muscle_b"],
                         "side": both["hemisphere"]})
    n = both["n_a"].to_numpy() + both["n_b"].to_numpy()
    return pd.concat([
        metric_rows(keys, "tms_cog_distance", dist, n, "Euclidean distance of the CoGs"),
        metric_rows(keys, "tms_overlap", jaccard, n, f"Jaccard index of active sites; {base}"),
    ], ignore_index=True)
