"""docs/interop-mapping.md is generated from the exporters and must match them."""

from pathlib import Path

from painmech.io._docs import interop_mapping_markdown
from painmech.registry import MEASURES, METRICS

DOC = Path(__file__).resolve().parents[2] / "docs" / "interop-mapping.md"


def test_interop_mapping_document_is_up_to_date():
    assert DOC.read_text(encoding="utf-8") == interop_mapping_markdown(), (
        "docs/interop-mapping.md is stale: run "
        "python -m painmech.io._docs docs/interop-mapping.md")


def _section(text: str, title: str) -> list[str]:
    part = text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]
    return [ln for ln in part.splitlines() if ln.startswith("| `")]


def test_every_metric_and_measure_has_a_row():
    text = interop_mapping_markdown()
    metric_rows = _section(text, "Metrics")
    assert [r.split("`")[1] for r in metric_rows] == list(METRICS)
    measure_rows = _section(text, "Raw measures (observations)")
    assert [r.split("`")[1] for r in measure_rows] == list(MEASURES)


def test_rows_state_what_the_exporters_write():
    text = interop_mapping_markdown()
    rows = {r.split("`")[1]: r for r in _section(text, "Metrics")}
    # pain intensity carries LOINC 72514-3; a temperature difference is UCUM K (not Cel)
    assert "LOINC `72514-3`" in rows["pain_intensity"]
    assert "| `K` |" in rows["cdt"]
    # gmv_thalamus at side left: FHIR side extension, REDCap m_gmv_thalamus_l, BIDS _left
    assert "side `left`" in rows["gmv_thalamus"]
    assert "`m_gmv_thalamus_l`" in rows["gmv_thalamus"] and "`gmv_thalamus_left`" in \
        rows["gmv_thalamus"]
    sides = {r.split("`")[1]: r for r in _section(text, "Laterality")}
    assert "SNOMED CT `7771000` Left" in sides["left"]
