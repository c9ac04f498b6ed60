"""Unit conversions against hand calculations."""

import numpy as np
import pandas as pd
import pytest

from painmech.exceptions import UnitError
from painmech.registry import get_measure, normalize_unit, to_canonical


@pytest.mark.parametrize(
    ("measure", "value", "unit", "expected"),
    [
        # 1 N/cm² = 1 N / 1e-4 m² = 1e4 Pa = 10 kPa  ->  35 N/cm² = 350 kPa
        ("ppt", 35.0, "N/cm²", 350.0),
        # 1 kgf = 9.80665 N (standard gravity); 1 kgf/cm² = 98066.5 Pa = 98.0665 kPa
        ("ppt", 4.0, "kg/cm2", 4 * 98.0665),
        # 1 lbf/in² = 6894.757 Pa
        ("ppt", 10.0, "psi", 68.94757),
        # VAS 0-100 mm -> NRS 0-10: 65 mm / 10 = 6.5
        ("pain_intensity", 65.0, "VAS mm", 6.5),
        # NRS 0-100 given for a 0-10 measure: 40 / 10 = 4
        ("pain_intensity", 40.0, "nrs100", 4.0),
        # 2 years = 24 months
        ("pain_duration", 2.0, "Jahre", 24.0),
        # 6 weeks = 42 days = 42 * 12 / 365.25 months = 1.379877 months
        ("pain_duration", 6.0, "Wochen", 42 * 12 / 365.25),
        # 365.25 days = exactly 12 months by the Gregorian-year convention
        ("pain_duration", 365.25, "days", 12.0),
        # CRP 0.8 mg/dL = 8 mg/L (1 dL = 0.1 L)
        ("crp", 0.8, "mg/dL", 8.0),
        # 2PD 4.5 cm = 45 mm
        ("tpd", 4.5, "cm", 45.0),
        # horizontal 2PD reported in cm (Morf 2021: 6.0 cm) = 60 mm
        ("tpd_horizontal", 6.0, "cm", 60.0),
        # thermal threshold written as difference from the 32 °C baseline: -1.5 -> 30.5 °C
        ("cdt", -1.5, "delta_degC", 30.5),
        # IL-6 1 ng/L = 1 pg/mL (1e-9 g / 1e-3 L = 1e-12 g / 1e-6 L)
        ("il6", 3.2, "ng/L", 3.2),
        # 1 ng/mL = 1000 pg/mL
        ("tnf_alpha", 0.002, "ng/mL", 2.0),
        # ODI 0-50 points -> percent: 18 points * 2 = 36 %
        ("odi", 18.0, "points", 36.0),
        # DASS-21 stress raw sum 0-21 doubled to the DASS-42 scale: 9 -> 18
        ("dass21_stress", 9.0, "raw_sum", 18.0),
        # grey-matter volume 12.5 cm³ = 12500 mm³
        ("gmv", 12.5, "cm3", 12500.0),
    ],
)
def test_conversion_to_canonical(measure, value, unit, expected):
    out, canon, reason = to_canonical(pd.Series([value]), pd.Series([unit]), pd.Series([measure]))
    assert reason.iloc[0] == ""
    assert canon.iloc[0] == get_measure(measure).unit
    np.testing.assert_allclose(out.iloc[0], expected, rtol=1e-12)


def test_unknown_unit_raises():
    with pytest.raises(UnitError, match="unknown unit 'furlong'"):
        normalize_unit("furlong")


def test_unit_not_accepted_for_measure_is_explained():
    out, _, reason = to_canonical(pd.Series([3.0]), pd.Series(["mg/L"]), pd.Series(["ppt"]))
    assert np.isnan(out.iloc[0])
    assert "not convertible to kPa for measure ppt" in reason.iloc[0]


@pytest.mark.parametrize("spelling", ["°C", "degC", "C", "Celsius"])
def test_celsius_spellings(spelling):
    assert normalize_unit(spelling) == "degC"
