"""Sign conventions: the generated document is current, and every z-scored metric's
registered gain points the way the literature says the abnormality goes.

The QST metrics' directions are tested value by value in
tests/norms/test_zscore.py (SENSITIVE_VS_NOT); the raw-value signs (cdt < 0,
wdt > 0, cpm_effect > 0 = inhibition, …) in tests/measures/test_qst.py and
test_qst_dynamic.py. This file covers the document and the non-QST metrics.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from painmech.norms import Provenance, ReferenceSet, transform_values, zscore
from painmech.registry import METRICS
from painmech.registry._docs import sign_conventions_markdown
from painmech.registry._metrics_neuro import NEURO_METRICS

DOC = Path(__file__).parents[2] / "docs" / "sign-conventions.md"

# Abnormal-vs-normal raw values of every z-scored non-QST metric, with the direction
# taken from the literature (evidence.md), not from the registry:
NEURO_ABNORMAL_VS_NORMAL = {
    # Tsao et al. 2011 Spine 36:1721: smaller maps and overlapping longissimus /
    # deep multifidus representations in recurrent LBP
    "tms_volume": (100.0, 400.0),
    "tms_cog_distance": (0.2, 1.5),
    "tms_overlap": (0.9, 0.1),
    # Thapa & Schabrun 2018: healthy MEPs fall below baseline after the second
    # tDCS block; in chronic LBP the fall is missing -> a higher ratio / z is abnormal
    "mep_ratio_post0": (1.5, 0.6),
    "mep_ratio_post10": (1.5, 0.6),
    "mep_ratio_post20": (1.5, 0.6),
    "homeostatic_z": (2.5, -2.5),
    # Apkarian et al. 2004 J Neurosci 24:10410: less DLPFC and thalamus grey matter
    "gmv_dlpfc": (16000.0, 22000.0),
    "gmv_thalamus": (6000.0, 8000.0),
    "gmv_dlpfc_frac": (0.011, 0.015),
    "gmv_thalamus_frac": (0.004, 0.005),
    # Hashmi et al. 2013 Brain 136:2751: a shift towards affective circuitry
    "fc_affective_sensory_index": (0.4, -0.2),
    # Lim et al. 2020 Clin J Pain 36:379; Klyne et al. 2017: higher inflammatory
    # markers (IL-1β follows the same pro-inflammatory direction)
    "crp": (6.0, 0.5), "il6": (8.0, 1.0), "tnf_alpha": (12.0, 2.0), "il1_beta": (5.0, 0.5),
}

_SITE = {"muscle": "longissimus", "none": "none", "body": "lumbar", "edge": "a__b"}


def test_sign_convention_document_is_up_to_date():
    expected = sign_conventions_markdown()
    assert DOC.read_text(encoding="utf-8") == expected, (
        "docs/sign-conventions.md is stale: run "
        "python -m painmech.registry._docs docs/sign-conventions.md")


def test_document_has_one_row_per_metric_with_its_gain():
    rows = [ln for ln in DOC.read_text(encoding="utf-8").splitlines() if ln.startswith("| `")]
    assert [ln.split("`")[1] for ln in rows] == list(METRICS)
    by_id = {ln.split("`")[1]: [c.strip() for c in ln.split(" | ")] for ln in rows}
    # cdt: gain −1 on the log of the magnitude -> a smaller |value| is the gain side
    assert by_id["cdt"][4:6] == ["-1", r"lower \|value\|"]
    assert by_id["ppt"][4:6] == ["-1", r"lower \|value\|"]
    assert by_id["cpm_effect"][4:6] == ["-1", "lower value"]
    assert by_id["tms_overlap"][4:6] == ["+1", "higher value"]
    assert by_id["tms_cog_x"][4:6] == ["0", "— (no direction)"]


@pytest.mark.parametrize("metric", sorted(METRICS))
def test_z_scored_metrics_have_a_direction_and_directionless_ones_are_not_z_scored(metric):
    m = METRICS[metric]
    assert m.gain in (-1, 0, 1)
    if m.score_kind == "z":
        assert m.gain != 0, f"{metric} is z-scored without a direction"
    if m.gain == 0:
        assert m.score_kind != "z"


def test_every_z_scored_neuro_metric_has_a_literature_direction_here():
    z_neuro = {m.id for m in NEURO_METRICS if m.score_kind == "z"}
    assert z_neuro == set(NEURO_ABNORMAL_VS_NORMAL)


@pytest.mark.parametrize("metric", sorted(NEURO_ABNORMAL_VS_NORMAL))
def test_abnormal_neuro_value_scores_positive(metric):
    bad, good = NEURO_ABNORMAL_VS_NORMAL[metric]
    site = _SITE[METRICS[metric].site_kind]
    t, _ = transform_values(pd.Series([metric, metric]), pd.Series([bad, good]))
    table = pd.DataFrame({"metric": [metric], "site": [site], "sex": ["all"], "age_min": [0.0],
                          "age_max": [120.0], "mean": [float(np.mean(t))],
                          "sd": [float(abs(t[0] - t[1]))], "n": [50]})
    ref = ReferenceSet.from_table(table, Provenance("sign_test", "test values"))
    metrics = pd.DataFrame({"subject": ["a", "b"], "visit": 1, "metric": metric,
                            "site": site, "side": "left", "value": [bad, good],
                            "unit": METRICS[metric].unit, "n_trials": 1, "method": ""})
    subjects = pd.DataFrame({"subject": ["a", "b"], "sex": "female", "age": 40.0,
                             "condition": "chronic_lbp"})
    z = zscore(metrics, subjects, ref).set_index("subject")["z"]
    # mean halfway, sd = the distance: z = ±0.5 with the sign of the direction
    assert z["a"] == pytest.approx(0.5) and z["b"] == pytest.approx(-0.5), METRICS[metric]
