"""The DFNS-style QST profile: z-scores per parameter with the ±1.96 band.

One row per QST parameter in the DFNS order, z on the horizontal axis with
**gain of function to the right** (positive z = more sensitive) and loss to
the left, the normal range ``|z| ≤ 1.96`` shaded (Rolke et al. 2006 Pain
123:231). PHS and DMA are not z-scored; they appear as counts/ratings in the
right margin, marked when above their limit. Censored values (at a thermal
cut-off) are drawn hollow; a z beyond the axis is drawn at its edge with
the value written next to it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["DFNS_ORDER", "qst_profile_figure"]

#: The z-scored DFNS parameters in the order of the DFNS profile.
DFNS_ORDER = ("cdt", "wdt", "tsl", "cpt", "hpt", "ppt", "mpt", "mps", "wur", "mdt", "vdt")
_COUNTS = ("phs", "dma")
_TEXT = {
    "en": {"z": "z-score", "gain": "gain →", "loss": "← loss", "title": "QST profile",
           "visit": "visit", "none": "no z"},
    "de": {"z": "z-Wert", "gain": "Gewinn →", "loss": "← Verlust", "title": "QST-Profil",
           "visit": "Termin", "none": "kein z"},
}
_SIDE_MARKER = {"left": "<", "right": ">", "bilateral": "D", "midline": "o", "none": "o"}


def _select(scores: pd.DataFrame, subject: str, visit: int | None) -> pd.DataFrame:
    rows = scores.loc[scores["subject"].astype(str).eq(str(subject))]
    if rows.empty:
        raise ValueError(f"no scores for subject {subject!r}")
    visit = int(rows["visit"].min()) if visit is None else int(visit)
    rows = rows.loc[rows["visit"].eq(visit)]
    if rows.empty:
        raise ValueError(f"no scores for subject {subject!r} at visit {visit}")
    return rows, visit


def qst_profile_figure(scores: pd.DataFrame, subject: str, visit: int | None = None, *,
                       parameters=DFNS_ORDER, threshold: float = 1.96, lang: str = "en",
                       ax: Axes | None = None) -> Figure:
    """Draw one subject's DFNS-style QST z-profile.

    Parameters
    ----------
    scores : pandas.DataFrame
        Output of :func:`painmech.norms.zscore`.
    subject : str
        Pseudonym of the subject.
    visit : int, optional
        Visit to show (default: the subject's first visit).
    parameters : sequence of str
        Metric ids to plot as rows, top to bottom (default :data:`DFNS_ORDER`).
    threshold : float
        Half-width of the shaded normal range in z (default 1.96).
    lang : {"en", "de"}
        Language of the axis texts.
    ax : matplotlib.axes.Axes, optional
        Draw into this axes instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        One marker per site and side (colour = site, marker = side); rows with
        no z for this subject are labelled in grey.
    """
    if lang not in _TEXT:
        raise ValueError(f"Invalid value for the 'lang' parameter: {lang!r}. Allowed values "
                         f"are {', '.join(map(repr, _TEXT))}.")
    text = _TEXT[lang]
    rows, visit = _select(scores, subject, visit)
    if ax is None:
        fig = Figure(figsize=(7.0, 0.42 * len(parameters) + 1.6), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    z_rows = rows.loc[rows["metric"].isin(parameters) & rows["z"].notna()]
    zmax = float(np.nanmax(np.abs(z_rows["z"]))) if len(z_rows) else 0.0
    lim = max(3.0, min(np.ceil(zmax) + 0.5, 6.0))
    ypos = {p: i for i, p in enumerate(parameters)}
    ax.axvspan(-threshold, threshold, color="0.88", zorder=0)
    ax.axvline(0.0, color="0.5", lw=0.8, zorder=1)
    sites = sorted(pd.unique(z_rows["site"].astype(str)))
    colours = {s: f"C{i % 10}" for i, s in enumerate(sites)}
    for (site, side), grp in z_rows.groupby(["site", "side"], sort=True):
        z = grp["z"].to_numpy(dtype=float)
        y = grp["metric"].map(ypos).to_numpy(dtype=float)
        clipped = np.abs(z) > lim
        hollow = (grp["censored"].astype(str).ne("").to_numpy() if "censored" in grp
                  else np.zeros(len(grp), bool))
        colour = colours[str(site)]
        marker = _SIDE_MARKER.get(str(side), "o")
        for mask, face in ((~hollow & ~clipped, colour), (hollow & ~clipped, "none")):
            if mask.any():
                ax.scatter(z[mask], y[mask], marker=marker, s=46, facecolors=face,
                           edgecolors=colour, zorder=3, label=f"{site} ({side})")
        if clipped.any():
            edge = np.sign(z[clipped]) * (lim - 0.15)
            ax.scatter(edge, y[clipped], marker=marker, s=46, color=colour, zorder=3)
            for xe, ye, ze in zip(edge, y[clipped], z[clipped], strict=True):
                ax.annotate(f"{ze:.1f}", (xe, ye), xytext=(-4 * np.sign(xe), 7),
                            textcoords="offset points", fontsize="x-small",
                            ha="right" if xe > 0 else "left", color=colour)
    missing = [p for p in parameters if p not in set(z_rows["metric"])]
    ax.set_yticks(range(len(parameters)), [p.upper() for p in parameters])
    for label, p in zip(ax.get_yticklabels(), parameters, strict=True):
        if p in missing:
            label.set_color("0.6")
    ax.set_ylim(len(parameters) - 0.5, -0.5)
    ax.set_xlim(-lim, lim)
    ax.set_xlabel(f"{text['z']}   {text['loss']}   {text['gain']}")
    ax.set_title(f"{text['title']}: {subject}, {text['visit']} {visit}", loc="left")
    _count_margin(ax, rows)
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        unique: dict = {}
        for handle, label in zip(handles, labels, strict=True):
            unique.setdefault(label, handle)
        ax.legend(unique.values(), unique.keys(), fontsize="small", loc="lower right")
    return fig


def _count_margin(ax: Axes, rows: pd.DataFrame) -> None:
    """Write PHS and DMA (counts/flags, not z) under the axes title."""
    parts = []
    for metric in _COUNTS:
        sel = rows.loc[rows["metric"].eq(metric)]
        if sel.empty:
            continue
        value = float(np.nanmax(sel["value"].to_numpy(dtype=float)))
        flag = bool(sel["abnormal"].fillna(False).any()) if "abnormal" in sel else False
        parts.append(f"{metric.upper()} {value:g}{' *' if flag else ''}")
    if parts:
        ax.text(1.0, 1.01, "   ".join(parts), transform=ax.transAxes, ha="right",
                va="bottom", fontsize="small")
