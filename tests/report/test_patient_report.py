"""Patient reports: German and English HTML/PDF with the same numbers, escaping,
and a PDF renderer that fetches no URL."""

import datetime as dt
import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from painmech.mechanisms import profile
from painmech.norms import Provenance
from painmech.report import (
    RefusingURLFetcher,
    URLRefusedError,
    fmt_number,
    fmt_percent,
    html_to_pdf,
    mechanism_figure,
    patient_report,
)

DAY = dt.date(2025, 6, 1)
EVIL = "<script>alert('x')</script>"


def _subjects(sid="p01"):
    return pd.DataFrame({"subject": [sid], "sex": ["female"], "age": [41.0],
                         "condition": ["whiplash"]})


def _scores(sid="p01"):
    rows = [
        ("ppt", "cervical", "left", 180.5, 3.1, 3, "kPa"),
        ("ppt", "tibialis_anterior", "left", 412.25, 0.4, 3, "kPa"),
        ("cpt", "thenar", "right", 15.4, 2.9, 3, "degC"),
        ("mdt", "cervical", "left", 2.3, -0.8, 5, "mN"),
        ("cpm_effect", "thenar", "left", 12.75, 2.2, 6, "kPa"),
        ("tsp_diff", "cervical", "left", 22.5, 1.1, 1, "nrs100"),
        ("crp", "none", "none", 4.2, 2.1, 1, "mg/L"),
        ("tpd", "cervical", "left", 48.0, np.nan, 3, "mm"),
        ("gmv_thalamus_frac", "none", "left", 0.00512, 0.3, 1, "ratio"),
        ("pds_hyperarousal", "none", "none", 7.0, np.nan, 5, "score"),
    ]
    out = pd.DataFrame(rows, columns=["metric", "site", "side", "value", "z", "n_trials",
                                      "unit"])
    return out.assign(subject=sid, visit=0, ref="study_controls", method="",
                      censored="", abnormal=out["z"].abs() > 1.96)


PROV = Provenance(name="study_controls", source="fitted on 24 'healthy' subjects",
                  version="1", n=24, synthetic=True, created="2025-05-30")

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None
                                   or shutil.which("pdftoppm") is None,
                                   reason="poppler-utils not installed")


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    d = tmp_path_factory.mktemp("reports")
    out = {}
    for lang in ("de", "en"):
        path = d / f"report_{lang}.pdf"
        data = patient_report(_scores(), _subjects(), subject="p01", lang=lang, path=path,
                              reference=PROV, date=DAY)
        assert data[:5] == b"%PDF-" and path.read_bytes() == data
        out[lang] = path
    return out


def _text(path):
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def _numbers(text, lang):
    text = re.sub(r"painmech \d+\.\d+\.\d+\S*", "", text)  # version string
    if lang == "de":  # 1,5 -> 1.5 (no digit grouping is used in reports)
        found = re.findall(r"\d+(?:,\d+)?", text)
        return sorted(float(n.replace(",", ".")) for n in found)
    return sorted(float(n) for n in re.findall(r"\d+(?:\.\d+)?", text))


@needs_poppler
def test_german_and_english_pdfs_carry_the_same_numbers(pdfs):
    de, en = _text(pdfs["de"]), _text(pdfs["en"])
    assert "Mechanismenprofil" in de and "Mechanism profile" in en
    assert _numbers(de, "de") == _numbers(en, "en")
    # locale formatting: PPT 180.5 kPa -> "180 kPa" (0 decimals from 100), z 3.1
    assert "3,10" in de and "3.10" in en
    assert "15,4 °C" in de and "15.4 °C" in en  # CPT with one decimal
    # whiplash CPT >= 13 degC is highlighted (Sterling 2011)
    assert "13 °C" in de and "Schleudertrauma" in de
    assert "synthetic" in en.lower() and "synthetisch" in de.lower()
    assert "For research use only" in en and "Nur für Forschungszwecke" in de


@needs_poppler
@pytest.mark.parametrize("lang", ["de", "en"])
def test_pdf_page_renders_to_png(pdfs, tmp_path, lang):
    prefix = tmp_path / f"page_{lang}"
    subprocess.run(["pdftoppm", "-r", "40", "-f", "1", "-l", "1", "-png",
                    str(pdfs[lang]), str(prefix)], check=True)
    pngs = list(tmp_path.glob(f"page_{lang}*.png"))
    assert len(pngs) == 1
    import matplotlib.image as mpimg

    img = mpimg.imread(pngs[0])
    assert img.shape[0] > img.shape[1] > 200  # an A4 portrait page
    assert img[..., :3].std() > 0.05          # not blank: text and the figure


def test_html_escapes_untrusted_subject_id():
    html = patient_report(_scores(EVIL), _subjects(EVIL), subject=EVIL, lang="en", date=DAY)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html


def test_html_is_self_contained_and_names_the_reference():
    html = patient_report(_scores(), _subjects(), subject="p01", lang="de", reference=PROV,
                          date=DAY)
    assert 'lang="de"' in html
    srcs = re.findall(r'src="([^"]*)"', html)
    assert len(srcs) == 2 and all(s.startswith("data:image/png;base64,") for s in srcs)
    assert "http://" not in html and "https://" not in html and "file:" not in html
    assert "fitted on 24 &#39;healthy&#39; subjects" in html
    assert "1. Juni 2025" in html


def test_report_without_provenance_says_so():
    html = patient_report(_scores(), _subjects(), subject="p01", lang="en", date=DAY)
    assert "No provenance record was supplied" in html and "study_controls" in html


def test_report_uses_a_given_profile_table():
    scores = _scores()
    prof = profile(scores, _subjects())
    prof.loc[prof["mechanism"] == "grey_matter", "status"] = "indicated"
    html = patient_report(scores, _subjects(), subject="p01", profile_table=prof, date=DAY)
    block = html[html.index('id="grey_matter"'):]
    assert ">indicated</span>" in block[:600]


def test_report_argument_errors(tmp_path):
    with pytest.raises(ValueError, match="'lang' parameter"):
        patient_report(_scores(), _subjects(), subject="p01", lang="fr")
    with pytest.raises(ValueError, match="'format' parameter"):
        patient_report(_scores(), _subjects(), subject="p01", format="docx")
    with pytest.raises(ValueError, match="no scores for subject 'zz'"):
        patient_report(_scores(), _subjects(), subject="zz")
    with pytest.raises(ValueError, match="at visit 3"):
        patient_report(_scores(), _subjects(), subject="p01", visit=3)
    out = tmp_path / "r.html"
    patient_report(_scores(), _subjects(), subject="p01", path=out, date=DAY)
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("url", [
    "file:///etc/passwd", "FILE:///etc/hostname", "http://example.org/x.png",
    "https://example.org/style.css", "ftp://example.org/x", "/etc/passwd"])
def test_url_fetcher_refuses_everything_but_data(url):
    with pytest.raises(URLRefusedError, match="fetches no URL"):
        RefusingURLFetcher().fetch(url)


def test_url_fetcher_decodes_inline_data():
    resp = RefusingURLFetcher().fetch("data:text/plain;base64,aGVsbG8=")
    assert resp.read() == b"hello" and resp.content_type == "text/plain"
    assert RefusingURLFetcher().fetch("data:,a%20b").read() == b"a b"


@pytest.mark.parametrize("tag", ['<img src="file:///etc/passwd">',
                                 '<link rel="stylesheet" href="https://example.org/a.css">'])
def test_pdf_renderer_never_fetches(tag):
    with pytest.raises(URLRefusedError):
        html_to_pdf(f"<html><head></head><body>{tag}<p>x</p></body></html>")


@pytest.mark.parametrize("x,lang,expected", [
    (1.5, "de", "1,50"), (1.5, "en", "1.50"), (12.25, "de", "12,2"), (1234.5, "de", "1234"),
    (-0.5, "de", "-0,50"), (np.nan, "en", "–")])
def test_locale_number_formatting(x, lang, expected):
    # babel: 12.25 rounds half-even to 12.2; values >= 100 get no decimals, no grouping
    assert fmt_number(x, lang) == expected


def test_percent_formatting():
    assert fmt_percent(0.934, "de").replace("\xa0", " ") == "93 %"
    assert fmt_percent(0.934, "en") == "93%"


def test_mechanism_figure_needs_one_subject_visit():
    prof = profile(pd.concat([_scores("a"), _scores("b")]),
                   pd.concat([_subjects("a"), _subjects("b")]))
    fig = mechanism_figure(prof[prof["subject"] == "a"], lang="de")
    assert len(fig.axes[0].patches) > 0
    with pytest.raises(ValueError, match="one subject and visit"):
        mechanism_figure(prof)


def test_dollar_signs_in_the_pseudonym_do_not_reach_mathtext():
    sid = "p$\\frac{1$"  # would be a mathtext syntax error in a matplotlib title
    html = patient_report(_scores(sid), _subjects(sid), subject=sid, lang="en", date=DAY)
    assert sid in html
