"""Report figures (matplotlib, headless) and their embedding as data URIs.

Figures are built on :class:`matplotlib.figure.Figure` directly (no pyplot),
so they render with the Agg canvas without a display.
"""

from __future__ import annotations

import base64
import io

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from painmech.mechanisms import CATALOG, ProfileSettings, mechanism_text
from painmech.report._i18n import STATUS_LABEL

__all__ = ["STATUS_COLOURS", "figure_data_uri", "mechanism_figure"]

#: Colour per status (colour-blind-safe Okabe-Ito hues).
STATUS_COLOURS = {"indicated": "#D55E00", "inconclusive": "#E69F00",
                  "not_indicated": "#0072B2", "not_assessed": "#BBBBBB"}

_AXIS = {"en": "probability beyond the reference limit",
         "de": "Wahrscheinlichkeit jenseits der Referenzgrenze"}


def mechanism_figure(profile: pd.DataFrame, *, lang: str = "en",
                     settings: ProfileSettings | None = None) -> Figure:
    """Bar chart of one subject-visit's mechanism probabilities, coloured by status.

    Parameters
    ----------
    profile : pandas.DataFrame
        Profile rows of **one** subject and visit
        (:func:`painmech.mechanisms.profile`).
    lang : {"de", "en"}
        Language of the labels.
    settings : ProfileSettings, optional
        Its probability cut-offs are drawn as dashed lines.

    Returns
    -------
    matplotlib.figure.Figure
        One bar per mechanism (catalog order); mechanisms without a
        probability are labelled with their status instead of a bar.
    """
    if profile[["subject", "visit"]].drop_duplicates().shape[0] > 1:
        raise ValueError("mechanism_figure needs the profile rows of one subject and visit")
    settings = settings or ProfileSettings()
    order = [m for m in CATALOG if m in set(profile["mechanism"])]
    rows = profile.set_index("mechanism").loc[order]
    p = rows["probability"].to_numpy(dtype=float)
    status = rows["status"].astype(str).to_numpy()
    labels = [mechanism_text(m, lang)["label"] for m in order]
    fig = Figure(figsize=(7.0, 0.36 * len(order) + 1.1), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(order))
    has = np.isfinite(p)
    ax.barh(y[has], p[has], color=[STATUS_COLOURS[s] for s in status[has]], height=0.6)
    ends = np.where(has, np.nan_to_num(p), 0.0)
    for yi, x, s in zip(y, ends, status, strict=True):
        inside = x > 0.7  # write long bars' labels inside the bar
        ax.text(x - 0.01 if inside else x + 0.01, yi, STATUS_LABEL[lang][s], va="center",
                ha="right" if inside else "left", fontsize="x-small",
                color="white" if inside else "0.3", style="italic")
    for cut in (settings.p_not_indicated, settings.p_indicated):
        ax.axvline(cut, color="0.4", lw=0.8, ls="--")
    ax.set_yticks(y, labels, fontsize="small")
    ax.set_ylim(len(order) - 0.5, -0.5)
    ax.set_xlim(0, 1)
    ax.set_xticks([0, 0.5, 1], ["0", "½", "1"])
    ax.set_xlabel(_AXIS[lang], fontsize="small")
    return fig


def figure_data_uri(fig: Figure, dpi: int = 150) -> str:
    """Render a figure to a PNG ``data:`` URI (raster, so no text leaks into the PDF text)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
