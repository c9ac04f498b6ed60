"""The DFNS-style QST z-profile figure."""

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from painmech.report._qst_figure import DFNS_ORDER, qst_profile_figure


def scores():
    rows = [{"subject": "p1", "visit": 0, "metric": m, "site": "lumbar", "side": "left",
             "value": 1.0, "z": z, "censored": "", "abnormal": abs(z) > 1.96}
            for m, z in zip(DFNS_ORDER[:-1], [-0.5, -2.5, 0.3, 2.4, 1.0, 2.8, 0.2, 9.0, 1.1, -1],
                            strict=True)]
    rows[3]["censored"] = "left"
    rows.append({"subject": "p1", "visit": 0, "metric": "phs", "site": "lumbar", "side": "left",
                 "value": 2.0, "z": np.nan, "censored": "", "abnormal": True})
    rows.append({"subject": "p1", "visit": 1, "metric": "ppt", "site": "thenar",
                 "side": "right", "value": 1.0, "z": 0.5, "censored": "", "abnormal": False})
    df = pd.DataFrame(rows)
    return df.assign(abnormal=df["abnormal"].astype("boolean"))


def test_profile_rows_markers_band_and_counts():
    fig = qst_profile_figure(scores(), "p1")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [p.upper() for p in DFNS_ORDER]
    # VDT has no z: its label is grey
    assert ax.get_yticklabels()[-1].get_color() == "0.6"
    # gain to the right: x axis symmetric, wide enough for |z| = 9 clipped at 6
    assert ax.get_xlim() == (-6.0, 6.0)
    # the ±1.96 normal band
    band = ax.patches[0]
    assert (band.get_x(), band.get_width()) == pytest.approx((-1.96, 3.92))
    xs = np.concatenate([c.get_offsets()[:, 0] for c in ax.collections])
    assert xs.max() == pytest.approx(5.85)  # 9.0 drawn at the edge (6 − 0.15)
    texts = [t.get_text() for t in ax.texts]
    assert "PHS 2 *" in texts and "9.0" in texts
    assert "visit 0" in ax.get_title(loc="left")


def test_german_labels_and_chosen_visit():
    fig = qst_profile_figure(scores(), "p1", visit=1, lang="de")
    ax = fig.axes[0]
    assert "Termin 1" in ax.get_title(loc="left")
    assert "Gewinn" in ax.get_xlabel()


def test_draws_into_given_axes():
    fig = Figure()
    ax = fig.add_subplot()
    assert qst_profile_figure(scores(), "p1", ax=ax) is fig


@pytest.mark.parametrize("kwargs, match", [
    ({"subject": "nobody"}, "no scores for subject"),
    ({"subject": "p1", "visit": 7}, "at visit 7"),
    ({"subject": "p1", "lang": "fr"}, "lang"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        qst_profile_figure(scores(), **kwargs)
