"""Reference sets: mean and SD of healthy people on the transformed scale.

A reference set is a table keyed by metric, site, sex and age band, plus a
provenance record. painmech ships **no published reference values**: the
printed tables of Rolke et al. 2006, Magerl et al. 2010, Pfau et al. 2014 and
Neziri et al. 2011 could not be retrieved, and values are never invented
(design.md §6). The recommended route — the one DFNS labs follow — is to fit
a set on the study's own healthy controls with :meth:`ReferenceSet.fit`.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from painmech._utils._checks import check_columns
from painmech.norms._transform import metric_attribute, transform_values
from painmech.registry import METRICS, NO_SITE, SEXES

__all__ = ["REFERENCE_COLUMNS", "Provenance", "ReferenceSet"]

#: Columns of a reference table.
REFERENCE_COLUMNS = ["metric", "site", "sex", "age_min", "age_max", "mean", "sd", "n", "n_eff",
                     "transform"]
_AGE_RANGE = (0.0, 120.0)  # the subjects table's hard age limits (registry validation)
_FORMAT = "painmech-reference-set"


@dataclass(frozen=True)
class Provenance:
    """Where a reference set comes from.

    Attributes
    ----------
    name : str
        Short identifier written into every score row (``ref`` column).
    source : str
        Study, paper (with DOI) or ``"fitted on ..."``.
    version : str
        Version of the set.
    n : int
        Number of reference subjects.
    synthetic : bool
        True for simulated (demo) populations — never for patients' reports.
    created : str
        ISO date of creation.
    notes : dict
        Fitting parameters and anything else worth keeping.
    """

    name: str
    source: str
    version: str = "1"
    n: int = 0
    synthetic: bool = False
    created: str = ""
    notes: dict = field(default_factory=dict)


def _age_bands(age_bands) -> np.ndarray:
    edges = np.asarray(age_bands if age_bands is not None else _AGE_RANGE, dtype=float)
    if edges.ndim != 1 or len(edges) < 2 or np.any(np.diff(edges) <= 0):
        raise ValueError(f"age_bands must be increasing band edges in years, got {age_bands!r}")
    return edges


def _band_frame(edges: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"age_min": edges[:-1], "age_max": edges[1:],
                         "_centre": (edges[:-1] + edges[1:]) / 2.0})


def _reference_values(metrics, subjects, condition, band_edges) -> pd.DataFrame:
    """Transformed values of the controls' first visit, one row per site and side.

    Sides are kept as separate values: patients are scored one side at a time,
    so the reference SD must describe single-side values (averaging the sides
    would shrink it and inflate patients' z).
    """
    check_columns(metrics, ["subject", "visit", "metric", "site", "value"], "metrics")
    check_columns(subjects, ["subject", "sex", "age", "condition"], "subjects")
    subj = subjects.drop_duplicates("subject")
    controls = subj.loc[subj["condition"].astype(str).eq(condition), ["subject", "sex", "age"]]
    m = metrics.loc[metric_attribute(metrics["metric"], "score_kind").eq("z")]
    m = m.merge(controls, on="subject", how="inner")
    first = m.groupby("subject")["visit"].transform("min")
    m = m.loc[m["visit"].eq(first)]
    t, _ = transform_values(m["metric"], m["value"])
    m = m.assign(_t=t).dropna(subset=["_t"])
    m = m.loc[(m["age"] >= band_edges[0]) & (m["age"] < band_edges[-1])]
    return m[["metric", "site", "subject", "sex", "age"]].assign(t=m["_t"].to_numpy())


def _pooled(values: pd.DataFrame) -> pd.DataFrame:
    both = pd.concat([values, values.assign(sex="all")], ignore_index=True)
    return both


def _fit_bands(values: pd.DataFrame, edges: np.ndarray) -> pd.DataFrame:
    band = pd.cut(values["age"], bins=edges, right=False, labels=False)
    v = values.assign(_band=band.to_numpy())
    out = (v.groupby(["metric", "site", "sex", "_band"], observed=True)
           .agg(mean=("t", "mean"), sd=("t", "std"), n=("subject", "nunique"),
                n_eff=("t", "size"))
           .reset_index())
    bands = _band_frame(edges).reset_index(names="_band")
    out = out.merge(bands, on="_band").astype({"n_eff": float})
    return out.drop(columns=["_band", "_centre"])


def _fit_smoothed(values: pd.DataFrame, edges: np.ndarray, bandwidth: float) -> pd.DataFrame:
    """Gaussian-kernel moving average over age, evaluated at each band centre.

    In the spirit of the moving average across ages of Magerl et al. 2010
    (Pain 151:598); the kernel and ``bandwidth`` (SD in years) are painmech's.
    """
    bands = _band_frame(edges)
    cross = values.merge(bands, how="cross")
    w = np.exp(-0.5 * ((cross["age"] - cross["_centre"]) / bandwidth) ** 2)
    inside = (cross["age"] >= cross["age_min"]) & (cross["age"] < cross["age_max"])
    cross = cross.assign(_w=w, _wt=w * cross["t"])
    keys = ["metric", "site", "sex", "age_min", "age_max"]
    g = cross.groupby(keys, observed=True)
    s = g.agg(sw=("_w", "sum"), swt=("_wt", "sum")).reset_index()
    n_in = (cross.loc[inside].groupby(keys, observed=True)["subject"].nunique()
            .rename("n").reset_index())
    s = s.merge(n_in, on=keys, how="left").fillna({"n": 0}).astype({"n": "int64"})
    cross = cross.merge(s[[*keys, "sw", "swt"]], on=keys)
    cross["_dev"] = cross["_w"] * (cross["t"] - cross["swt"] / cross["sw"]) ** 2
    cross["_w2"] = cross["_w"] ** 2
    g2 = cross.groupby(keys, observed=True).agg(sdev=("_dev", "sum"), sw2=("_w2", "sum"))
    s = s.merge(g2.reset_index(), on=keys)
    # reliability-weight unbiased variance: sum w (x - m)^2 / (V1 - V2 / V1)
    denom = s["sw"] - s["sw2"] / s["sw"]
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = np.sqrt(s["sdev"] / denom)
    return s.assign(mean=s["swt"] / s["sw"], sd=sd, n_eff=s["sw"] ** 2 / s["sw2"])[
        ["metric", "site", "sex", "age_min", "age_max", "mean", "sd", "n", "n_eff"]]


class ReferenceSet:
    """Reference means and SDs by metric, site, sex and age band, with provenance.

    Parameters
    ----------
    name : str
        Identifier written into every score row's ``ref`` column.
    source : str, optional
        Where the data come from; defaults to a description of the fit.
    version : str
        Version label of the set.
    synthetic : bool
        Mark sets fitted on simulated subjects.
    age_bands : sequence of float, optional
        Band edges in years, e.g. ``(18, 40, 60, 90)`` (lower edge inclusive).
        Default: one band 0–120 years. DFNS reference data are stratified by
        age (Magerl et al. 2010); choose bands that the control group can fill.
    by_sex : bool
        Fit separate rows per sex in addition to the pooled ``sex = "all"``
        rows (scoring prefers the subject's own sex and falls back to "all").
    smooth_age : float, optional
        Bandwidth (SD, years) of a Gaussian moving average over age; without
        it each band uses only its own subjects.
    min_n : int
        Rows with fewer reference people (the effective number of values
        when smoothing) are dropped. Default 10 — painmech's choice; an SD from fewer people is
        too unstable to call a value abnormal.
    condition : str
        Condition id of the reference subjects (default ``"healthy"``).

    Attributes
    ----------
    table_ : pandas.DataFrame
        Columns :data:`REFERENCE_COLUMNS`; ``mean`` and ``sd`` on the
        transformed scale (log10 for log-normal metrics), ``n`` people in the
        band, ``n_eff`` the number of values (sides) behind mean and SD — with
        smoothing the Kish effective number of kernel-weighted values.
    provenance_ : Provenance
    """

    def __init__(self, name: str = "study_controls", *, source: str | None = None,
                 version: str = "1", synthetic: bool = False, age_bands=None,
                 by_sex: bool = True, smooth_age: float | None = None, min_n: int = 10,
                 condition: str = "healthy") -> None:
        self.name = name
        self.source = source
        self.version = version
        self.synthetic = synthetic
        self.age_bands = age_bands
        self.by_sex = by_sex
        self.smooth_age = smooth_age
        self.min_n = min_n
        self.condition = condition

    def __repr__(self) -> str:
        fitted = f", {len(self.table_)} rows" if hasattr(self, "table_") else ", not fitted"
        return f"ReferenceSet({self.name!r}{fitted})"

    def fit(self, metrics: pd.DataFrame, subjects: pd.DataFrame) -> ReferenceSet:
        """Fit the set on the healthy controls in a metrics table.

        Parameters
        ----------
        metrics : pandas.DataFrame
            Metrics table (see :func:`painmech.measures.compute_metrics`); only
            metrics with ``score_kind == "z"`` are fitted. Each control
            contributes their first visit; left and right values enter as
            separate values (patients are scored per side), ``n`` counts people.
        subjects : pandas.DataFrame
            ``subject, sex, age, condition``.

        Returns
        -------
        ReferenceSet
            ``self``, with :attr:`table_` and :attr:`provenance_`.
        """
        edges = _age_bands(self.age_bands)
        if self.smooth_age is not None and not self.smooth_age > 0:
            raise ValueError(f"smooth_age must be a bandwidth > 0 years, got {self.smooth_age}")
        values = _reference_values(metrics, subjects, self.condition, edges)
        values = _pooled(values) if self.by_sex else values.assign(sex="all")
        if self.smooth_age is None:
            table = _fit_bands(values, edges)
        else:
            table = _fit_smoothed(values, edges, float(self.smooth_age))
        size = table["n"] if self.smooth_age is None else table["n_eff"]
        table = table.loc[(size >= self.min_n) & (table["sd"] > 0)]
        table = table.assign(transform=metric_attribute(table["metric"], "transform"))
        self.table_ = (table[REFERENCE_COLUMNS].sort_values(["metric", "site", "sex", "age_min"])
                       .reset_index(drop=True))
        n_subjects = int(values["subject"].nunique())
        source = self.source or (f"fitted on {n_subjects} '{self.condition}' subjects of the "
                                 "input data")
        self.provenance_ = Provenance(
            name=self.name, source=source, version=self.version, n=n_subjects,
            synthetic=self.synthetic, created=_dt.date.today().isoformat(),
            notes={"age_bands": [float(e) for e in edges], "by_sex": self.by_sex,
                   "smooth_age": self.smooth_age, "min_n": self.min_n,
                   "condition": self.condition, "visit": "first per subject",
                   "sides": "left and right as separate values"})
        return self

    @classmethod
    def from_table(cls, table: pd.DataFrame, provenance: Provenance) -> ReferenceSet:
        """Build a set from a table of published or external values.

        ``table`` needs ``metric, site, sex, age_min, age_max, mean, sd, n`` on
        the metric's transformed scale; ``provenance.source`` must name the
        publication. Raises ``ValueError`` on malformed tables.
        """
        table = _check_table(table)
        ref = cls(provenance.name, source=provenance.source, version=provenance.version,
                  synthetic=provenance.synthetic)
        ref.table_ = table
        ref.provenance_ = provenance
        return ref

    def _fitted(self) -> None:
        if not hasattr(self, "table_"):
            raise ValueError(f"{self!r} is not fitted; call fit() or load() first")

    def save(self, path: str | Path) -> tuple[Path, Path]:
        """Write the table as CSV and the provenance as JSON next to it.

        Parameters
        ----------
        path : path-like
            ``name.csv`` (or ``name``): writes ``name.csv`` and ``name.json``.

        Returns
        -------
        (csv_path, json_path)
        """
        self._fitted()
        csv_path = Path(path).with_suffix(".csv")
        json_path = csv_path.with_suffix(".json")
        text = self.table_.to_csv(index=False, float_format="%.10g", lineterminator="\n")
        csv_path.write_text(text, encoding="utf-8")
        meta = {"format": _FORMAT, "format_version": 1, **asdict(self.provenance_),
                "table_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}
        json_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n",
                             encoding="utf-8")
        return csv_path, json_path

    @classmethod
    def load(cls, path: str | Path) -> ReferenceSet:
        """Read a set written by :meth:`save` (CSV + JSON), checking both files."""
        csv_path = Path(path).with_suffix(".csv")
        json_path = csv_path.with_suffix(".json")
        for p in (csv_path, json_path):
            if not p.is_file():
                raise FileNotFoundError(f"reference set file {p} does not exist")
        text = csv_path.read_text(encoding="utf-8")
        try:
            meta = json.loads(json_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            raise ValueError(f"{json_path}: not valid JSON ({err})") from None
        if meta.get("format") != _FORMAT:
            raise ValueError(f"{json_path}: not a painmech reference set (format "
                             f"{meta.get('format')!r})")
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if meta.get("table_sha256") not in (None, digest):
            raise ValueError(f"{csv_path} does not match the checksum in {json_path}; "
                             "the table was changed after it was saved")
        fields = {k: meta[k] for k in Provenance.__dataclass_fields__ if k in meta}
        if "name" not in fields or "source" not in fields:
            raise ValueError(f"{json_path}: provenance needs 'name' and 'source'")
        table = pd.read_csv(csv_path, dtype={"metric": str, "site": str, "sex": str},
                            keep_default_na=False)
        return cls.from_table(table, Provenance(**fields))


def _check_table(table: pd.DataFrame) -> pd.DataFrame:
    check_columns(table, ["metric", "site", "sex", "age_min", "age_max", "mean", "sd", "n"],
                  "reference table")
    t = table.copy()
    if "n_eff" not in t.columns:
        t["n_eff"] = t["n"].astype(float)
    unknown = sorted(set(t["metric"]) - set(METRICS))
    if unknown:
        raise ValueError(f"reference table has unknown metric(s): {', '.join(unknown)}")
    bad_sex = sorted(set(t["sex"]) - {*SEXES, "all"})
    if bad_sex:
        raise ValueError(f"reference table has unknown sex value(s): {', '.join(bad_sex)}")
    num = t[["age_min", "age_max", "mean", "sd", "n", "n_eff"]].apply(pd.to_numeric,
                                                                      errors="coerce")
    if num.isna().any().any():
        raise ValueError("reference table has empty or non-numeric age, mean, sd or n")
    if (num["sd"] <= 0).any() or (num["age_min"] >= num["age_max"]).any():
        raise ValueError("reference table needs sd > 0 and age_min < age_max on every row")
    t[num.columns] = num
    t["site"] = t["site"].fillna(NO_SITE)
    t["transform"] = metric_attribute(t["metric"], "transform")
    t["n"] = t["n"].astype("int64")
    return t[REFERENCE_COLUMNS].reset_index(drop=True)
