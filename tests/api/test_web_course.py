"""Web: the longitudinal view judges change with painmech.longitudinal.reliable_change,
and the cohort job shows the claims check (painmech.cohort.check_claims)."""

from __future__ import annotations

import re
import time

import numpy as np
import pandas as pd
import pytest
from apihelpers import PASSWORDS

from painmech.api._i18n import LANGS, MESSAGES
from painmech.cohort import CLAIMS, VERDICTS


@pytest.fixture
def owner(client):
    page = client.post("/login", data={"username": "owner", "password": PASSWORDS["owner"],
                                       "next": "/studies/s1"})
    csrf = re.search(r'name="csrf-token" content="([0-9a-f]+)"', page.text).group(1)
    return client, csrf


def test_longitudinal_view_shows_reliable_change(owner):
    client, csrf = owner
    assert 'id="reliable-change"' not in client.get("/studies/s1/subjects/ex01").text
    # ex01 visit 1 (example data set): lumbar PPT left (348.6 + 392.6 + 407.0) / 3
    # = 382.73 kPa, right (372.6 + 409.9 + 383.6) / 3 = 388.70 kPa
    form = {"csrf": csrf, "visit": "2", "date": "2024-11-02",
            "measure": ["ppt"] * 6, "site": ["lumbar"] * 6,
            "side": ["left"] * 3 + ["right"] * 3, "trial": ["1", "2", "3"] * 2,
            "value": ["250", "260", "270", "380", "385", "390"], "unit": ["kPa"] * 6}
    saved = client.post("/studies/s1/subjects/ex01/visit", data=form)
    assert saved.status_code == 200
    page = client.get("/studies/s1/subjects/ex01?lang=en").text
    table = page.split('id="reliable-change"')[1].split("</table>")[0]
    rows = {re.search(r"<td>ppt</td><td>lumbar</td><td>(\w+)</td>", r).group(1): r
            for r in table.split("<tr")[1:] if "<td>ppt</td><td>lumbar" in r}
    # Individual error on the log scale: 6 controls are too few for a retest or a controls'
    # SD, so SEM = SD(log10 PPT of all 12 subjects' first visit, both sides) * sqrt(1 - 0.80)
    # (ICC: Mailloux 2021 / Balaguier 2016) and MDC95 = 1.96 * sqrt(2) * SEM
    from painmech.datasets import dataset_path

    obs = pd.read_csv(dataset_path("example")[1])
    ppt = obs[obs["measure"].eq("ppt") & obs["site"].eq("lumbar")]
    sd = np.log10(ppt.groupby(["subject", "side"])["value"].mean()).std()
    mdc = 1.96 * np.sqrt(2) * sd * np.sqrt(0.2)
    assert sd == pytest.approx(0.10312, abs=1e-5) and mdc == pytest.approx(0.12783, abs=1e-5)
    # Left: 260 − 382.73 = −122.73 kPa; limits 382.73 / 10^0.12783 = 285.15 to 513.71 kPa,
    # 260 is below -> reliable worsening (a lower PPT is the gain side)
    assert "−122.73" in rows["left"] or "-122.73" in rows["left"]
    assert f"{382.7333 / 10 ** mdc:.2f}" == "285.15"
    assert "285.15" in rows["left"] and "reliable worsening" in rows["left"]
    assert "published: mailloux2021, balaguier2016" in rows["left"]
    # Right: 385 − 388.70 = −3.7 kPa, within the limits 289.59 to 521.73 kPa
    assert "within measurement error" in rows["right"]
    german = client.get("/studies/s1/subjects/ex01?lang=de").text
    assert "Zuverlässige Veränderung" in german and "zuverlässige Verschlechterung" in german


@pytest.mark.slow
def test_cohort_job_includes_the_claims_check(owner, token):
    client, _ = owner
    started = client.post("/api/studies/s1/cohort", headers=token["owner"]).json()
    for _ in range(600):
        job = client.get(f"/api/jobs/{started['id']}", headers=token["owner"]).json()
        if job["status"] not in ("queued", "running"):
            break
        time.sleep(0.2)
    assert job["status"] == "done", job["error"]
    claims = job["result"]["claims"]
    assert claims["n_rows"] == len(CLAIMS)
    col = claims["columns"].index("verdict")
    verdicts = {r[col] for r in claims["rows"]}
    assert verdicts <= set(VERDICTS)
    # 6 healthy vs 6 chronic LBP: below the 10 per group the claims need
    assert verdicts == {"not_testable"}
    assert {"ci_level", "sesoi", "mde", "effect_unadjusted"} <= set(claims["columns"])
    page = client.get(f"/jobs/{started['id']}?lang=en")
    assert page.status_code == 200 and "<h2>claims</h2>" in page.text
    assert "<td>not testable</td>" in page.text and 'id="claims-legend"' in page.text
    german = client.get(f"/jobs/{started['id']}?lang=de").text
    assert "<td>nicht prüfbar</td>" in german and "<td>not_testable</td>" not in german
    assert "Kein relevanter Effekt:" in german  # the legend names the "absent" verdict


def test_every_claim_verdict_has_words_in_both_languages():
    for v in VERDICTS:
        assert set(MESSAGES[f"verdict_{v}"]) == set(LANGS), v
        assert all(MESSAGES[f"verdict_{v}"].values())
