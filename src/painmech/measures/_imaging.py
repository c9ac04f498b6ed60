"""Grey-matter metrics from FreeSurfer volumes: DLPFC, thalamus, eTIV fractions.

Regions (evidence.md §6 [I]; Apkarian et al. 2004 J Neurosci 24:10410 report
less bilateral DLPFC and right thalamus grey matter in chronic back pain):

* DLPFC ≈ ``rostralmiddlefrontal`` + ``caudalmiddlefrontal`` grey-matter volume
  of the Desikan–Killiany parcellation (``?h.aparc.stats`` ``GrayVol``), per
  hemisphere;
* thalamus = ``Left-/Right-Thalamus`` of ``aseg.stats`` (``Thalamus-Proper``
  in FreeSurfer ≤ 6; :func:`painmech.io.read_freesurfer` names both
  ``thalamus``).

A hand-entered ``gmv`` observation with site ``dlpfc`` is used as it is;
otherwise both parcels must be present (half a DLPFC is not reported).
Volumes are divided by eTIV for the ``*_frac`` metrics; for z-scores the
recommended route is a regression on age, sex and eTIV
(:class:`painmech.norms.ImagingReference`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from painmech.measures._table import empty_metrics, metric_rows

__all__ = ["DLPFC_PARCELS", "GMV_MEASURES", "greymatter_metrics"]

#: aparc parcels whose sum approximates the DLPFC (evidence.md §6).
DLPFC_PARCELS: tuple[str, ...] = ("rostralmiddlefrontal", "caudalmiddlefrontal")
#: Raw measures consumed.
GMV_MEASURES: tuple[str, ...] = ("gmv", "etiv")
_SV = ["subject", "visit"]


def _regions(gmv: pd.DataFrame) -> pd.DataFrame:
    """DLPFC and thalamus volume per subject, visit and side (mean over trials)."""
    vol = gmv.groupby([*_SV, "site", "side"], sort=True)["value"].mean().reset_index()
    parcels = vol.loc[vol["site"].isin(DLPFC_PARCELS)]
    summed = (parcels.groupby([*_SV, "side"])["value"]
              .agg(["sum", "size"]).reset_index())
    summed["value"] = np.where(summed["size"] == len(DLPFC_PARCELS), summed["sum"], np.nan)
    summed["how"] = np.where(summed["size"] == len(DLPFC_PARCELS),
                             "rostralmiddlefrontal + caudalmiddlefrontal GrayVol",
                             "a DLPFC parcel is missing")
    direct = vol.loc[vol["site"].eq("dlpfc")].assign(how="gmv observation 'dlpfc'")
    dlpfc = pd.concat([direct[[*_SV, "side", "value", "how"]],
                       summed[[*_SV, "side", "value", "how"]]], ignore_index=True)
    dlpfc = dlpfc.drop_duplicates([*_SV, "side"], keep="first").assign(region="dlpfc")
    thal = (vol.loc[vol["site"].eq("thalamus"), [*_SV, "side", "value"]]
            .assign(how="aseg thalamus volume", region="thalamus"))
    return pd.concat([dlpfc, thal], ignore_index=True)


def greymatter_metrics(observations: pd.DataFrame) -> pd.DataFrame:
    """DLPFC and thalamus grey-matter volumes, eTIV and eTIV fractions.

    Parameters
    ----------
    observations : pandas.DataFrame
        Observations with ``measure`` ``gmv`` (site = parcel or structure,
        side left/right, mm³) and ``etiv`` (mm³), as returned by
        :func:`painmech.io.read_freesurfer`. Other measures are ignored.

    Returns
    -------
    pandas.DataFrame
        Metrics table: ``gmv_dlpfc``, ``gmv_thalamus`` (mm³, side
        left/right, site ``none``), ``etiv`` (mm³, side ``none``),
        ``gmv_dlpfc_frac``, ``gmv_thalamus_frac`` (volume / eTIV; NaN with the
        reason in ``method`` when eTIV is missing).
    """
    obs = observations.loc[observations["measure"].isin(GMV_MEASURES)]
    if obs.empty:
        return empty_metrics()
    gmv = obs.loc[obs["measure"].eq("gmv")]
    etiv = (obs.loc[obs["measure"].eq("etiv")].groupby(_SV, sort=True)["value"]
            .agg(["mean", "size"]).reset_index())
    parts = [metric_rows(etiv[_SV].assign(site="none", side="none"), "etiv", etiv["mean"],
                         etiv["size"], "FreeSurfer eTIV")]
    if not gmv.empty:
        reg = _regions(gmv).merge(etiv.rename(columns={"mean": "etiv"})[[*_SV, "etiv"]],
                                  on=_SV, how="left")
        reg = reg.sort_values([*_SV, "region", "side"], kind="stable")
        frac_how = np.where(reg["etiv"].isna(), "no eTIV for this visit", "volume / eTIV")
        for region in ("dlpfc", "thalamus"):  # two fixed metric families
            sel = reg["region"].eq(region).to_numpy()
            r = reg.loc[sel]
            keys = r[[*_SV, "side"]].assign(site="none")
            n = np.where(r["value"].notna(), 1, 0)
            parts.append(metric_rows(keys, f"gmv_{region}", r["value"], n, r["how"]))
            parts.append(metric_rows(keys, f"gmv_{region}_frac", r["value"] / r["etiv"], n,
                                     frac_how[sel]))
    out = pd.concat([p for p in parts if len(p)], ignore_index=True)
    return out.sort_values(["subject", "visit", "metric", "side"],
                           kind="stable").reset_index(drop=True)
