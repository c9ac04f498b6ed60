"""Reference sets: mean and SD of healthy people on the transformed scale.

A reference set is a table keyed by metric, site, sex and age band, plus a
provenance record. painmech ships **no published reference values**: the
printed tables of Rolke et al. 2006, Magerl et al. 2010, Pfau et al. 2014 and
Neziri et al. 2011 could not be retrieved, and values are never invented
(design.md §6). The recommended route — the one DFNS labs follow — is to fit
a set on the study's own healthy controls with :meth:`ReferenceSet.fit`.

Row models (column ``model``)
-----------------------------
``"regression"``
    Transformed value regressed on age and sex per metric and site (Magerl et
    al. 2010; :mod:`painmech.norms._regression`), fitted where the controls
    allow it (at least ``min_n`` of each sex). ``mean`` is the intercept at
    ``age_ref`` for a woman, ``b_age`` and ``b_male`` the slopes.
``"band"``
    Mean and SD of one sex (or ``"all"``, pooled) in one age band.

Every row also carries what the Crawford & Howell (1998) comparison of one
patient with a finite reference sample needs: ``df`` (degrees of freedom)
and ``v_00 … v_22``, the unscaled covariance of the estimated mean (for a
band row ``v_00 = 1/n`` and the rest 0, which gives the ``sqrt(1 + 1/n)`` of
Crawford & Howell). ``note`` says why a pooled row exists (too few controls
per sex for a regression or sex strata).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from painmech._utils._checks import check_columns, check_option
from painmech.norms._bands import (
    RETEST_COLUMNS,
    band_edges,
    band_extras,
    fit_bands,
    fit_smoothed,
    pooled,
    reference_values,
    retest_errors,
)
from painmech.norms._regression import fit_regression, pooled_note, sex_counts
from painmech.norms._transform import metric_attribute
from painmech.registry import METRICS, NO_SITE, SEXES

__all__ = ["REFERENCE_COLUMNS", "ROW_MODELS", "Provenance", "ReferenceSet"]

#: Columns of a reference table (see the module docstring).
REFERENCE_COLUMNS = ["metric", "site", "sex", "age_min", "age_max", "mean", "sd", "n", "n_eff",
                     "transform", "model", "df", "age_ref", "b_age", "b_male", "v_00", "v_01",
                     "v_02", "v_11", "v_12", "v_22", "note"]
_V = ["v_00", "v_01", "v_02", "v_11", "v_12", "v_22"]
#: Row models of a reference table.
ROW_MODELS = ("band", "regression")
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
        when smoothing) are dropped, and a regression needs this many people
        of each sex. Default 10 — painmech's choice; an SD from fewer people
        is too unstable to call a value abnormal.
    condition : str
        Condition id of the reference subjects (default ``"healthy"``).
    model : {"auto", "bands"}
        ``"auto"`` (default): where the controls allow it (at least ``min_n``
        women and ``min_n`` men with the metric at the site, and some spread
        of age), a regression of the transformed value on age and sex as in
        the DFNS reference data (Magerl et al. 2010); band rows (sex strata
        and pooled) are always fitted too and serve every patient the
        regression does not cover (other sex, age outside the controls'
        range, too few controls). Needs ``by_sex=True``. ``"bands"``: band
        rows only.

    Attributes
    ----------
    table_ : pandas.DataFrame
        Columns :data:`REFERENCE_COLUMNS`; ``mean`` and ``sd`` on the
        transformed scale (log10 for log-normal metrics), ``n`` people in the
        band, ``n_eff`` the number of values (sides) behind mean and SD — with
        smoothing the Kish effective number of kernel-weighted values;
        ``model``, ``df``, regression coefficients, ``v_00 … v_22`` and
        ``note`` as described in :mod:`painmech.norms._reference`.
    retest_ : pandas.DataFrame
        ``metric, site, n, sem``: the controls' own test–retest error on the
        transformed scale, from the first two visits of every control seen
        twice (``sem = SD(differences)/√2``; at least ``min_n`` people; empty
        without retest data). :func:`painmech.norms.zscore` reports it in z
        units (``sem_z``) and :func:`painmech.mechanisms.profile` uses it
        before published reliabilities.
    provenance_ : Provenance
    """

    def __init__(self, name: str = "study_controls", *, source: str | None = None,
                 version: str = "1", synthetic: bool = False, age_bands=None,
                 by_sex: bool = True, smooth_age: float | None = None, min_n: int = 10,
                 condition: str = "healthy", model: str = "auto") -> None:
        self.name = name
        self.source = source
        self.version = version
        self.synthetic = synthetic
        self.age_bands = age_bands
        self.by_sex = by_sex
        self.smooth_age = smooth_age
        self.min_n = min_n
        self.condition = condition
        self.model = model

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
        check_option("model", self.model, ("auto", "bands"))
        edges = band_edges(self.age_bands)
        if self.smooth_age is not None and not self.smooth_age > 0:
            raise ValueError(f"smooth_age must be a bandwidth > 0 years, got {self.smooth_age}")
        values = reference_values(metrics, subjects, self.condition, edges)
        both = pooled(values) if self.by_sex else values.assign(sex="all")
        if self.smooth_age is None:
            table = fit_bands(both, edges)
        else:
            table = fit_smoothed(both, edges, float(self.smooth_age))
        size = table["n"] if self.smooth_age is None else table["n_eff"]
        table = table.loc[(size >= self.min_n) & (table["sd"] > 0)]
        table = band_extras(table, both, self.smooth_age is not None)
        regression = self.model == "auto" and self.by_sex
        reg = (fit_regression(values, self.min_n).assign(sex="all", model="regression",
                                                          note="")
               if regression else pd.DataFrame(columns=REFERENCE_COLUMNS))
        table = self._with_notes(table, values, reg, regression)
        table = pd.concat([t for t in (table, reg) if len(t)] or [table], ignore_index=True)
        table = table.assign(transform=metric_attribute(table["metric"], "transform"))
        self.table_ = (table[REFERENCE_COLUMNS]
                       .sort_values(["metric", "site", "model", "sex", "age_min"], kind="stable")
                       .reset_index(drop=True)
                       .astype({"n": "int64", "note": str}))
        self.retest_ = retest_errors(metrics, subjects, self.condition, self.min_n)
        n_subjects = int(values["subject"].nunique())
        source = self.source or (f"fitted on {n_subjects} '{self.condition}' subjects of the "
                                 "input data")
        self.provenance_ = Provenance(
            name=self.name, source=source, version=self.version, n=n_subjects,
            synthetic=self.synthetic, created=_dt.date.today().isoformat(),
            notes={"age_bands": [float(e) for e in edges], "by_sex": self.by_sex,
                   "smooth_age": self.smooth_age, "min_n": self.min_n,
                   "condition": self.condition, "visit": "first per subject",
                   "sides": "left and right as separate values", "model": self.model})
        return self

    def _with_notes(self, table, values, reg, regression) -> pd.DataFrame:
        """Say on each pooled row why a woman or a man would be scored against it."""
        if not self.by_sex:
            return table.assign(note=np.where(table["sex"].eq("all"),
                                              "sex not used (by_sex=False)", ""))
        counts = sex_counts(values)
        short = counts[(counts["female"] < self.min_n) | (counts["male"] < self.min_n)]
        short = short[~short.index.isin(reg.set_index(["metric", "site"]).index)]
        notes = pooled_note(short, self.min_n, regression).rename("_note")
        out = table.join(notes, on=["metric", "site"])
        note = np.where(out["sex"].eq("all"), out["_note"].fillna(""), "")
        return table.assign(note=note)

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
        ref.retest_ = pd.DataFrame(columns=RETEST_COLUMNS)
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
        meta = {"format": _FORMAT, "format_version": 2, **asdict(self.provenance_),
                "table_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                "retest": self.retest_.to_dict(orient="records")}
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
        table = pd.read_csv(csv_path, dtype={"metric": str, "site": str, "sex": str,
                                             "model": str, "note": str},
                            keep_default_na=False)
        ref = cls.from_table(table, Provenance(**fields))
        ref.retest_ = _check_retest(pd.DataFrame(meta.get("retest", []),
                                                 columns=RETEST_COLUMNS), json_path)
        return ref


def _check_table(table: pd.DataFrame) -> pd.DataFrame:
    """Validate a reference table and fill the columns an older or published table lacks.

    Tables without the row-model columns (painmech < format 2, or published
    mean/SD tables) are band tables: ``model = "band"``, ``df = n − 1`` and
    ``v_00 = 1/n``.
    """
    check_columns(table, ["metric", "site", "sex", "age_min", "age_max", "mean", "sd", "n"],
                  "reference table")
    t = table.copy()
    n = pd.to_numeric(t["n"], errors="coerce")
    defaults = {"n_eff": n.astype(float), "model": "band", "df": n - 1.0, "age_ref": 0.0,
                "b_age": 0.0, "b_male": 0.0, "v_00": 1.0 / n, "v_01": 0.0, "v_02": 0.0,
                "v_11": 0.0, "v_12": 0.0, "v_22": 0.0, "note": ""}
    for col, value in defaults.items():
        if col not in t.columns:
            t[col] = value
    t["note"] = t["note"].fillna("").astype(str)
    unknown = sorted(set(t["metric"]) - set(METRICS))
    if unknown:
        raise ValueError(f"reference table has unknown metric(s): {', '.join(unknown)}")
    bad_sex = sorted(set(t["sex"]) - {*SEXES, "all"})
    if bad_sex:
        raise ValueError(f"reference table has unknown sex value(s): {', '.join(bad_sex)}")
    bad_model = sorted(set(t["model"].astype(str)) - set(ROW_MODELS))
    if bad_model:
        raise ValueError(f"reference table has unknown model(s): {', '.join(bad_model)}; "
                         f"allowed: {', '.join(ROW_MODELS)}")
    cols = ["age_min", "age_max", "mean", "sd", "n", "n_eff", "df", "age_ref", "b_age",
            "b_male", *_V]
    num = t[cols].apply(pd.to_numeric, errors="coerce")
    if num.isna().any().any():
        bad = [c for c in cols if num[c].isna().any()]
        raise ValueError(f"reference table has empty or non-numeric values in {', '.join(bad)}")
    if (num["sd"] <= 0).any() or (num["age_min"] >= num["age_max"]).any():
        raise ValueError("reference table needs sd > 0 and age_min < age_max on every row")
    if (num["df"] <= 0).any():
        raise ValueError("reference table needs df > 0 (n >= 2 for a band row) on every row")
    if (t["model"].eq("regression") & t["sex"].ne("all")).any():
        raise ValueError("regression rows of a reference table must have sex 'all'")
    t[num.columns] = num
    t["site"] = t["site"].fillna(NO_SITE)
    t["transform"] = metric_attribute(t["metric"], "transform")
    t["n"] = t["n"].astype("int64")
    return t[REFERENCE_COLUMNS].reset_index(drop=True)


def _check_retest(retest: pd.DataFrame, path: Path) -> pd.DataFrame:
    num = retest[["n", "sem"]].apply(pd.to_numeric, errors="coerce")
    if num.isna().any().any() or (num["sem"] <= 0).any():
        raise ValueError(f"{path}: the 'retest' records need numeric n and sem > 0")
    return retest.assign(n=num["n"].astype("int64"), sem=num["sem"].astype(float))
