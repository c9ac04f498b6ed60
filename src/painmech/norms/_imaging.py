"""Regression reference for grey-matter volumes: OLS on age, sex and eTIV.

Brain volumes scale with head size, fall with age and differ by sex, so a
mean ± SD table by age band wastes the information a regression uses
(design.md §6: "or a regression on age, sex and eTIV for imaging"). For each
metric and hemisphere, ordinary least squares on the healthy controls gives

    volume = b0 + b_age·age + b_sex·[sex dummies] + b_etiv·eTIV + e,

and a new value is scored as ``z = gain · (value − predicted) / s`` with ``s``
the residual standard deviation (``sqrt(RSS / (n − p))``, p = number of
coefficients). With the registered ``gain = −1`` a *smaller* volume than
predicted gives a positive z (design.md §3). z itself ignores the uncertainty
of the coefficients; ``abnormal`` does not: it follows the test of Crawford &
Garthwaite (2006, Neuropsychology 20:259), ``t = (y − ŷ) / (s · sqrt(1 +
x₀ᵀ(XᵀX)⁻¹x₀))`` on ``n − p`` degrees of freedom, as
:func:`painmech.norms.zscore` does for QST references.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from painmech._utils._checks import check_columns
from painmech.norms._crawford import crawford_howell_limit
from painmech.norms._reference import Provenance
from painmech.norms._transform import metric_attribute, transform_values

__all__ = ["ImagingReference"]

_SV = ["subject", "visit"]
_KEY = ["metric", "side"]
_DEFAULT_METRICS = ("gmv_dlpfc", "gmv_thalamus", "gmv_dlpfc_frac", "gmv_thalamus_frac")
_FORMAT = "painmech-imaging-reference"


class ImagingReference:
    """OLS reference of grey-matter metrics on age, sex and eTIV.

    Parameters
    ----------
    name : str
        Identifier written into the ``ref`` column of scores.
    metrics : sequence of str
        Metrics to model (default the four grey-matter metrics).
    covariates : sequence of {"age", "sex", "etiv"}
        Predictors (default all three; eTIV in mm³ from the metrics table).
    source : str, optional
        Where the controls come from (for the provenance record).

    Attributes
    ----------
    coef_ : pandas.DataFrame
        ``metric, side, term, coef`` — terms ``intercept``, ``age`` (per year),
        ``sex[<level>]`` (difference from the reference level), ``etiv`` (per
        mm³).
    fit_ : pandas.DataFrame
        ``metric, side, n, p, resid_sd`` per fitted model.
    cov_ : pandas.DataFrame
        ``metric, side, row, col, value``: the unscaled covariance
        ``(XᵀX)⁻¹`` of the coefficients of each model (terms as in ``coef_``).
    sex_levels_ : list of str
        Sex levels seen in the controls; the first is the reference level.
    provenance_ : Provenance
    """

    def __init__(self, name: str = "imaging_ols", *,
                 metrics: Sequence[str] = _DEFAULT_METRICS,
                 covariates: Sequence[str] = ("age", "sex", "etiv"),
                 source: str | None = None) -> None:
        bad = [c for c in covariates if c not in ("age", "sex", "etiv")]
        if bad:
            raise ValueError(f"covariates must be among age, sex, etiv; got {bad}")
        self.name = name
        self.metrics = tuple(metrics)
        self.covariates = tuple(covariates)
        self.source = source

    def __repr__(self) -> str:
        state = "fitted" if hasattr(self, "coef_") else "not fitted"
        return f"ImagingReference(name={self.name!r}, {state})"

    def _design(self, metrics: pd.DataFrame, subjects: pd.DataFrame) -> pd.DataFrame:
        check_columns(metrics, [*_SV, "metric", "side", "value"], "metrics")
        check_columns(subjects, ["subject", "sex", "age"], "subjects")
        subj = subjects.drop_duplicates("subject").set_index("subject")
        etiv = (metrics.loc[metrics["metric"].eq("etiv")].groupby(_SV)["value"].mean()
                .rename("etiv").reset_index())
        data = metrics.reset_index(drop=True).merge(etiv, on=_SV, how="left")
        data["age"] = data["subject"].map(subj["age"]).to_numpy(dtype=float)
        data["sex"] = data["subject"].map(subj["sex"]).astype(object)
        data["y"], _ = transform_values(data["metric"], data["value"])
        return data

    def _columns(self, data: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
        cols, names = [np.ones(len(data))], ["intercept"]
        if "age" in self.covariates:
            cols.append(data["age"].to_numpy(dtype=float))
            names.append("age")
        if "sex" in self.covariates:
            sex = data["sex"].to_numpy(dtype=object)
            known = np.isin(sex, self.sex_levels_)
            for level in self.sex_levels_[1:]:
                cols.append(np.where(known, (sex == level).astype(float), np.nan))
                names.append(f"sex[{level}]")
            if len(self.sex_levels_) == 1:  # one sex only: unknown others become NaN
                cols[0] = np.where(known, 1.0, np.nan)
        if "etiv" in self.covariates:
            cols.append(data["etiv"].to_numpy(dtype=float))
            names.append("etiv")
        return np.column_stack(cols), names

    def fit(self, metrics: pd.DataFrame, subjects: pd.DataFrame, *,
            controls: str | None = "healthy") -> ImagingReference:
        """Fit one OLS model per metric and hemisphere on the controls.

        Parameters
        ----------
        metrics : pandas.DataFrame
            Metrics table with the modelled metrics and ``etiv`` rows.
        subjects : pandas.DataFrame
            ``subject, sex, age[, condition]``.
        controls : str or None
            Use subjects whose ``condition`` equals this (default
            ``"healthy"``); ``None`` uses every subject given.

        Returns
        -------
        ImagingReference
            ``self``, fitted.

        Raises
        ------
        ValueError
            If a model has fewer than p + 2 complete controls (the residual SD
            needs at least 2 degrees of freedom).
        """
        if controls is not None:
            check_columns(subjects, ["condition"], "subjects")
            subjects = subjects.loc[subjects["condition"].eq(controls)]
        data = self._design(metrics.loc[metrics["subject"].isin(subjects["subject"])], subjects)
        data = data.loc[data["metric"].isin(self.metrics)]
        levels = sorted(pd.unique(data["sex"].dropna()).tolist())
        self.sex_levels_ = (["female", *[s for s in levels if s != "female"]]
                            if "female" in levels else levels)
        x, names = self._columns(data)
        y = data["y"].to_numpy(dtype=float)
        complete = np.isfinite(y) & np.isfinite(x).all(axis=1)
        coefs, fits, covs = [], [], []
        # one least-squares solve per (metric, side) model — a handful, not per subject
        for (metric, side), idx in data.loc[complete].groupby(_KEY).indices.items():
            rows = np.flatnonzero(complete)[idx]
            n, p = len(rows), x.shape[1]
            if n < p + 2:
                raise ValueError(f"{metric} ({side}): {n} complete controls for {p} "
                                 f"coefficients; need at least {p + 2}")
            beta, *_ = np.linalg.lstsq(x[rows], y[rows], rcond=None)
            resid = y[rows] - x[rows] @ beta
            fits.append((metric, side, n, p, float(np.sqrt(resid @ resid / (n - p)))))
            coefs += [(metric, side, t, float(b)) for t, b in zip(names, beta, strict=True)]
            inv = np.linalg.inv(x[rows].T @ x[rows])
            covs += [(metric, side, names[i], names[j], float(inv[i, j]))
                     for i in range(p) for j in range(p)]
        if not fits:
            raise ValueError("no control has a complete set of metric, age, sex and eTIV")
        self.coef_ = pd.DataFrame(coefs, columns=[*_KEY, "term", "coef"])
        self.fit_ = pd.DataFrame(fits, columns=[*_KEY, "n", "p", "resid_sd"])
        self.cov_ = pd.DataFrame(covs, columns=[*_KEY, "row", "col", "value"])
        n_subj = int(data.loc[complete, "subject"].nunique())
        self.provenance_ = Provenance(
            name=self.name, source=self.source or f"fitted on {n_subj} study controls",
            n=n_subj, created=_dt.date.today().isoformat(),
            notes={"model": "OLS", "covariates": list(self.covariates),
                   "sex_reference": self.sex_levels_[0] if self.sex_levels_ else ""})
        return self

    def predict(self, metrics: pd.DataFrame, subjects: pd.DataFrame) -> pd.DataFrame:
        """Expected value (transformed scale) and residual SD for every metrics row.

        Returns
        -------
        pandas.DataFrame
            The metrics rows plus ``predicted``, ``resid_sd``, ``df``
            (n − p) and ``leverage`` (x₀ᵀ(XᵀX)⁻¹x₀; 1/n for a reference
            saved without its covariance) — NaN where no model or covariate is
            available — and the covariates used.
        """
        if not hasattr(self, "coef_"):
            raise ValueError(f"{self!r} is not fitted; call fit() first")
        data = self._design(metrics, subjects)
        x, names = self._columns(data)
        wide = self.coef_.pivot_table(index=_KEY, columns="term", values="coef")
        beta = (data[_KEY].merge(wide.reset_index(), on=_KEY, how="left")[names]
                .to_numpy(dtype=float))
        data["predicted"] = np.einsum("ij,ij->i", x, beta)
        fit = data[_KEY].merge(self.fit_, on=_KEY, how="left")
        data["resid_sd"] = fit["resid_sd"].to_numpy(dtype=float)
        data["df"] = (fit["n"] - fit["p"]).to_numpy(dtype=float)
        cov = getattr(self, "cov_", None)
        if cov is None or cov.empty:
            data["leverage"] = 1.0 / fit["n"].to_numpy(dtype=float)
            return data
        k = len(names)
        flat = cov.pivot_table(index=_KEY, columns=["row", "col"], values="value")
        flat = flat.reindex(columns=pd.MultiIndex.from_product([names, names]))
        v = (data[_KEY].merge(flat.set_axis(range(k * k), axis=1).reset_index(), on=_KEY,
                              how="left")[list(range(k * k))].to_numpy(dtype=float)
             .reshape(-1, k, k))
        data["leverage"] = np.einsum("ij,ijk,ik->i", x, v, x)
        return data

    def zscore(self, metrics: pd.DataFrame, subjects: pd.DataFrame, *,
               threshold: float = 1.96, method: str = "crawford_howell",
               alpha: float | None = None) -> pd.DataFrame:
        """Score grey-matter metrics against the fitted regression.

        Parameters
        ----------
        metrics : pandas.DataFrame
            Metrics table including ``etiv`` rows for every scored visit.
        subjects : pandas.DataFrame
            ``subject, sex, age``.
        threshold, method, alpha
            As in :func:`painmech.norms.zscore`: ``abnormal`` when ``|z|``
            exceeds the Crawford–Garthwaite limit ``z_limit`` (default) or,
            with ``method="normal"``, ``threshold``.

        Returns
        -------
        pandas.DataFrame
            The metrics columns plus :data:`painmech.norms.SCORE_COLUMNS`:
            ``z`` (positive = less volume than predicted, via the registered
            gain), ``ref``, ``direction`` (``"gain"``/``"loss"``/``""``),
            ``abnormal`` (nullable boolean), ``score_note``, ``t_ch``,
            ``df_ch``, ``p_ch``, ``z_limit``, ``ref_model``
            (``"regression(age,sex,etiv)"`` for the default covariates) and
            ``sem_z`` (NaN: no retest data are kept for imaging).
        """
        data = self.predict(metrics, subjects)
        gain = metric_attribute(data["metric"], "gain").fillna(0).to_numpy(dtype=float)
        z = gain * (data["y"].to_numpy() - data["predicted"].to_numpy()) / data["resid_sd"]
        z = z.to_numpy(dtype=float)
        modelled = data["resid_sd"].notna().to_numpy()
        note = np.full(len(data), "", dtype=object)
        note[~data["metric"].isin(self.metrics).to_numpy()] = "not modelled by this reference"
        note[data["metric"].isin(self.metrics).to_numpy() & ~modelled] = (
            "no model for this hemisphere")
        missing_cov = modelled & np.isnan(z) & data["value"].notna().to_numpy()
        note[missing_cov] = "covariate missing (age, sex level or eTIV)"
        note[data["value"].isna().to_numpy()] = "no value"
        lev = data["leverage"].to_numpy(dtype=float)
        df = np.where(np.isnan(z), np.nan, data["df"].to_numpy(dtype=float))
        t_ch = z / np.sqrt(1.0 + lev)
        with np.errstate(invalid="ignore"):
            p_ch = 2.0 * stats.t.sf(np.abs(t_ch), np.where(df > 0, df, np.nan))
        if method == "crawford_howell":
            level = (round(float(2.0 * stats.norm.sf(threshold)), 4) if alpha is None
                     else float(alpha))
            z_limit = crawford_howell_limit(df, lev, level)
        elif method == "normal":
            z_limit = np.where(np.isnan(z), np.nan, threshold)
        else:
            raise ValueError(f"Invalid value for the 'method' parameter: {method!r}. "
                             "Allowed values are 'crawford_howell', 'normal'.")
        with np.errstate(invalid="ignore"):
            abnormal = pd.array(np.abs(z) > z_limit, dtype="boolean")
        abnormal[np.isnan(z) | np.isnan(z_limit)] = pd.NA
        direction = np.where(np.isnan(z), "", np.where(z > 0, "gain",
                                                       np.where(z < 0, "loss", "")))
        model = f"regression({','.join(self.covariates)})"
        if getattr(self, "cov_", None) is None or self.cov_.empty:
            model += ": leverage taken as 1/n (saved without the coefficient covariance)"
        out = metrics.reset_index(drop=True)
        return out.assign(z=z, ref=np.where(np.isnan(z), "", self.name), direction=direction,
                          abnormal=abnormal, score_note=note, t_ch=t_ch, df_ch=df, p_ch=p_ch,
                          z_limit=z_limit, ref_model=np.where(np.isnan(z), "", model),
                          sem_z=np.nan)

    def save(self, path: str | Path) -> Path:
        """Write the fitted models and provenance to one JSON file.

        Coefficients are stored as JSON numbers (shortest exact float text), so
        :meth:`load` reproduces z-scores exactly.
        """
        if not hasattr(self, "coef_"):
            raise ValueError(f"{self!r} is not fitted; call fit() first")
        path = Path(path).with_suffix(".json")
        meta = {"format": _FORMAT, "format_version": 2, "metrics": list(self.metrics),
                "covariates": list(self.covariates), "sex_levels": self.sex_levels_,
                "coef": self.coef_.to_dict(orient="records"),
                "fit": self.fit_.to_dict(orient="records"),
                "cov": self.cov_.to_dict(orient="records"),
                "provenance": asdict(self.provenance_)}
        path.write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n",
                        encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> ImagingReference:
        """Read a reference written by :meth:`save`."""
        path = Path(path).with_suffix(".json")
        if not path.is_file():
            raise FileNotFoundError(f"imaging reference file {path} does not exist")
        try:
            meta = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            raise ValueError(f"{path}: not valid JSON ({err})") from None
        if meta.get("format") != _FORMAT:
            raise ValueError(f"{path}: not a painmech imaging reference "
                             f"(format {meta.get('format')!r})")
        prov = Provenance(**meta["provenance"])
        ref = cls(prov.name, metrics=meta["metrics"], covariates=meta["covariates"],
                  source=prov.source)
        ref.sex_levels_ = list(meta["sex_levels"])
        ref.coef_ = pd.DataFrame(meta["coef"], columns=[*_KEY, "term", "coef"])
        ref.fit_ = pd.DataFrame(meta["fit"], columns=[*_KEY, "n", "p", "resid_sd"])
        # format 1 files have no covariance: the limit then uses the leverage 1/n
        ref.cov_ = pd.DataFrame(meta.get("cov", []), columns=[*_KEY, "row", "col", "value"])
        ref.provenance_ = prov
        return ref
