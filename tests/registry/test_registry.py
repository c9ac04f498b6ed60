"""Registry content: ids from design.md §3, site roles, lookups."""

import pandas as pd
import pytest

from painmech.exceptions import UnknownMeasureError
from painmech.registry import (
    MEASURES,
    MECHANISMS,
    get_measure,
    local_sites,
    measures_table,
    site_role,
)

# The raw measure ids listed in design.md §3, copied here so the test fails if
# the registry loses one.
DESIGN_IDS = """cdt wdt tsl phs cpt hpt mdt mpt mps dma wur_single wur_train vdt ppt
tsp_rating cpm_ppt_before cpm_ppt_during cpm_ppt_after cpm_rating_before cpm_rating_during
cpm_cs_rating tpd graphesthesia_error frebaq_item crp il6 tnf_alpha il1_beta pain_intensity
pain_duration odi rmdq ndi pcs dass21_stress pds_hyperarousal gmv etiv fc""".split()


def test_every_design_measure_is_registered():
    assert set(DESIGN_IDS) <= set(MEASURES)


def test_ten_mechanisms():
    assert len(MECHANISMS) == 10


@pytest.mark.parametrize("measure", sorted(MEASURES))
def test_measure_entries_are_consistent(measure):
    m = MEASURES[measure]
    assert m.unit in m.units and m.units[m.unit] == (1.0, 0.0)
    assert m.hard[0] < m.hard[1]
    if m.usual is not None:
        assert m.hard[0] <= m.usual[0] < m.usual[1] <= m.hard[1]
    assert set(m.mechanisms) <= set(MECHANISMS)
    assert m.gain in (-1, 0, 1)
    if m.transform == "log10":
        # a log-transformed measure must not accept zero
        assert m.lo_open or m.hard[0] > 0 or m.id in {"mps", "crp", "il6", "tnf_alpha",
                                                      "il1_beta"}
    assert m.source


def test_unknown_measure_suggests_close_id():
    with pytest.raises(UnknownMeasureError, match="did you mean ppt"):
        get_measure("ptt")


def test_site_roles_follow_condition():
    sites = pd.Series(["lumbar", "lumbar", "cervical", "trapezius", "scapula", "none"])
    conds = pd.Series(["chronic_lbp", "neck_pain", "whiplash", "whiplash", "chronic_lbp",
                       "chronic_lbp"])
    assert site_role(sites, conds).tolist() == [
        "local", "remote", "local", "local", "remote", "none"]
    assert local_sites("healthy") == ()
    assert local_sites("recurrent_lbp") == ("lumbar",)


def test_measures_table_has_one_row_per_measure():
    table = measures_table()
    assert len(table) == len(MEASURES)
    assert table["measure"].is_unique
