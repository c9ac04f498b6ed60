"""`painmech report` writes German/English HTML and PDF reports."""

import pytest
from typer.testing import CliRunner

from painmech.cli import app
from painmech.datasets import dataset_path

runner = CliRunner()


def _patient():
    import pandas as pd

    subj = pd.read_csv(dataset_path("example")[0])
    return str(subj.loc[subj["condition"] != "healthy", "subject"].iloc[0])


@pytest.mark.parametrize("lang,name", [("de", "report.pdf"), ("en", "report.html")])
def test_report_writes_the_file(tmp_path, lang, name):
    subj, obs = dataset_path("example")
    out = tmp_path / name
    result = runner.invoke(app, ["report", str(obs), "--subjects", str(subj), "--subject",
                                 _patient(), "--lang", lang, "--min-n", "5", "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    if name.endswith(".pdf"):
        assert data.startswith(b"%PDF-")
    else:
        text = data.decode("utf-8")
        assert 'lang="en"' in text and "fitted_from_input" in text


@pytest.mark.parametrize("args,code,message", [
    (["--subject", "nobody", "--lang", "de"], 1, "no scores for subject 'nobody'"),
    (["--subject", "ex01", "--lang", "fr"], 2, "--lang must be 'de' or 'en'"),
])
def test_report_rejects_bad_arguments(tmp_path, args, code, message):
    subj, obs = dataset_path("example")
    out = tmp_path / "r.pdf"
    result = runner.invoke(app, ["report", str(obs), "--subjects", str(subj), *args,
                                 "--min-n", "5", "-o", str(out)], env={"COLUMNS": "200"})
    assert result.exit_code == code
    assert message in result.output
    assert not out.exists()


def test_report_rejects_unknown_suffix(tmp_path):
    subj, obs = dataset_path("example")
    result = runner.invoke(app, ["report", str(obs), "--subjects", str(subj), "--subject",
                                 "ex01", "-o", str(tmp_path / "r.docx")],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 2 and ".html or .pdf" in result.output
