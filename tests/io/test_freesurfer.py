"""FreeSurfer stats reader on real subjects (FreeSurfer 7.4.1 and 5.3-HCP) and on the
6.0 and 7.0 header variants written from them (tests/data/freesurfer/make_variants.py)."""

import shutil

import pandas as pd
import pytest

from painmech.exceptions import InputFormatError
from painmech.io import read_freesurfer, read_freesurfer_stats


@pytest.fixture
def fs_dir(data_dir):
    return data_dir / "freesurfer"


def _value(obs, subject, measure, site, side):
    sel = obs.loc[obs["subject"].eq(subject) & obs["measure"].eq(measure)
                  & obs["site"].eq(site) & obs["side"].eq(side), "value"]
    assert len(sel) == 1
    return float(sel.iloc[0])


def test_both_versions_read(fs_dir):
    obs = read_freesurfer([fs_dir / "fs741_subject", fs_dir / "hcp_198451_fs53"],
                          subject=["fs7", "fs5"])
    # values copied from the files (see tests/data/freesurfer/PROVENANCE.md):
    # aseg.stats 7.4.1 row 5 "Left-Thalamus 7280.7", row 23 "Right-Thalamus 6680.2"
    assert _value(obs, "fs7", "gmv", "thalamus", "left") == 7280.7
    assert _value(obs, "fs7", "gmv", "thalamus", "right") == 6680.2
    # aseg.stats 5.3: "Left-Thalamus-Proper 8627.3", "Right-Thalamus-Proper 7521.4"
    assert _value(obs, "fs5", "gmv", "thalamus", "left") == 8627.3
    assert _value(obs, "fs5", "gmv", "thalamus", "right") == 7521.4
    # "# Measure EstimatedTotalIntraCranialVol, eTIV, ..., 1464199.032007, mm^3"
    assert _value(obs, "fs7", "etiv", "none", "none") == 1464199.032007
    assert _value(obs, "fs5", "etiv", "none", "none") == 1764143.062994
    # lh.aparc.stats GrayVol column (4th): rostralmiddlefrontal 13195 / 20325
    assert _value(obs, "fs7", "gmv", "rostralmiddlefrontal", "left") == 13195.0
    assert _value(obs, "fs5", "gmv", "caudalmiddlefrontal", "right") == 8023.0
    assert set(obs["unit"]) == {"mm3"}
    assert obs.attrs["freesurfer_version"]["fs7"] == "7.4.1"
    assert "mri_segstats.c,v 1.75" in obs.attrs["freesurfer_version"]["fs5"]


def test_every_aparc_parcel_is_read(fs_dir):
    obs = read_freesurfer(fs_dir / "fs741_subject")
    assert set(obs["subject"]) == {"fs741_subject"}  # default: directory name
    # the file's table has one non-comment line per parcel
    lines = (fs_dir / "fs741_subject" / "stats" / "lh.aparc.stats").read_text().splitlines()
    n_parcels = sum(1 for ln in lines if ln.strip() and not ln.startswith("#"))
    left_cortex = obs.loc[obs["measure"].eq("gmv") & obs["side"].eq("left")
                          & ~obs["site"].isin(["thalamus", "caudate", "putamen", "pallidum",
                                               "hippocampus", "amygdala", "accumbens_area",
                                               "ventraldc", "cerebellum_cortex"])]
    assert len(left_cortex) == n_parcels == 34


def test_stats_file_parser(fs_dir):
    measures, table, meta = read_freesurfer_stats(fs_dir / "hcp_198451_fs53" / "stats"
                                                  / "aseg.stats")
    assert table.columns[:5].tolist() == ["Index", "SegId", "NVoxels", "Volume_mm3",
                                          "StructName"]
    assert len(table) == 45  # "# NRows 45"
    # 5.3 names the white-matter header rows "CorticalWhiteMatter"
    assert "lhCorticalWhiteMatter" in set(measures["structure"])
    assert measures.loc[measures["name"].eq("eTIV"), "unit"].item() == "mm^3"
    assert meta["generating_program"] == "mri_segstats"


def test_flat_folder_is_accepted(fs_dir, tmp_path):
    flat = tmp_path / "sub01"
    shutil.copytree(fs_dir / "fs741_subject" / "stats", flat)
    obs = read_freesurfer(flat, visit=2)
    assert set(obs["visit"]) == {2}
    assert _value(obs, "sub01", "gmv", "thalamus", "left") == 7280.7


def test_missing_files(fs_dir, tmp_path):
    with pytest.raises(InputFormatError, match="no stats/aseg.stats"):
        read_freesurfer(tmp_path)
    part = tmp_path / "part" / "stats"
    part.mkdir(parents=True)
    shutil.copy(fs_dir / "fs741_subject" / "stats" / "aseg.stats", part)
    with pytest.raises(InputFormatError, match="lh.aparc.stats: no such"):
        read_freesurfer(part.parent)


def test_malformed_row_names_line(tmp_path):
    path = tmp_path / "aseg.stats"
    path.write_text("# ColHeaders Index SegId Volume_mm3 StructName\n"
                    "  1 10 7280.7 Left-Thalamus\n  2 49 6680.2\n")
    with pytest.raises(InputFormatError, match="line 3: 3 fields, expected 4"):
        read_freesurfer_stats(path)
    path.write_text("# Title nothing\n")
    with pytest.raises(InputFormatError, match="no '# ColHeaders' line"):
        read_freesurfer_stats(path)


def test_subject_names_must_match(fs_dir):
    with pytest.raises(ValueError, match="2 subject directories but 1"):
        read_freesurfer([fs_dir / "fs741_subject", fs_dir / "hcp_198451_fs53"], subject=["a"])


def test_observations_concatenate_with_other_data(fs_dir):
    obs = read_freesurfer(fs_dir / "fs741_subject", subject="p01")
    assert obs["visit"].dtype == "int64" and obs["trial"].dtype == "int64"
    assert isinstance(obs, pd.DataFrame) and obs["value"].dtype == float


# --- header variants of FreeSurfer 5.3, 6.0, 7.0 and 7.4.1 ---------------------------------

VERSIONS = {  # folder: (thalamus name in aseg.stats, cvs_version of aseg.stats)
    "hcp_198451_fs53": ("Left-Thalamus-Proper", "mri_segstats.c,v 1.75.2.9"),
    "fs60_subject": ("Left-Thalamus-Proper", "mri_segstats.c,v 1.121"),
    "fs70_subject": ("Left-Thalamus", "7.0.0"),
    "fs741_subject": ("Left-Thalamus", "7.4.1"),
}


@pytest.mark.parametrize("folder", sorted(VERSIONS))
def test_every_version_reads_with_thalamus_and_etiv(fs_dir, folder):
    thalamus, version = VERSIONS[folder]
    obs = read_freesurfer(fs_dir / folder, subject="s1")
    assert version in obs.attrs["freesurfer_version"]["s1"]
    _, aseg, _ = read_freesurfer_stats(fs_dir / folder / "stats" / "aseg.stats")
    # the thalamus volume is the aseg row of the version's own structure name
    expected = aseg.loc[aseg["StructName"].eq(thalamus), "Volume_mm3"].item()
    assert _value(obs, "s1", "gmv", "thalamus", "left") == expected
    assert len(obs.loc[obs["measure"].eq("gmv") & obs["side"].eq("left")]) == 34 + 9
    assert obs["measure"].eq("etiv").sum() == 1


def test_freesurfer_60_aparc_cortex_line_without_comma(fs_dir):
    # 6.0 writes "# Measure Cortex, CortexVol Total cortical gray matter volume, v, mm^3";
    # the old reader refused every 6.0 subject ("malformed Measure line")
    measures, table, _ = read_freesurfer_stats(fs_dir / "fs60_subject" / "stats"
                                               / "lh.aparc.stats")
    row = measures.loc[measures["name"].eq("CortexVol")].iloc[0]
    assert row["structure"] == "Cortex"
    assert row["description"] == "Total cortical gray matter volume"
    assert row["value"] == 606663.291593  # CortexVol of the subject's aseg.stats
    assert row["unit"] == "mm^3"
    assert measures.loc[measures["name"].eq("eTIV"), "value"].item() == 1764143.062994
    assert len(table) == 34
    # the 6.0 variant carries the 5.3 subject's tables, so the volumes are identical
    fs60 = read_freesurfer(fs_dir / "fs60_subject", subject="s")
    fs53 = read_freesurfer(fs_dir / "hcp_198451_fs53", subject="s")
    pd.testing.assert_frame_equal(fs60, fs53)
    assert _value(fs60, "s", "gmv", "thalamus", "right") == 7521.4  # Right-Thalamus-Proper


def test_issue_line_and_malformed_measure_lines(tmp_path):
    path = tmp_path / "lh.aparc.stats"
    body = "# ColHeaders StructName GrayVol\nbankssts 2546\n"
    path.write_text("# Measure Cortex, CortexVol Total cortical gray matter volume, "
                    "555332.58, mm^3\n" + body)
    measures, _, _ = read_freesurfer_stats(path)
    assert measures[["name", "value", "unit"]].iloc[0].tolist() == ["CortexVol", 555332.58,
                                                                   "mm^3"]
    path.write_text("# Measure Cortex, 555332.58, mm^3\n" + body)
    with pytest.raises(InputFormatError, match=r"line 1: malformed Measure line .*expected "
                       "'<structure>, <name>, <description>, <value>, <unit>'"):
        read_freesurfer_stats(path)
