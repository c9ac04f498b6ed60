"""FreeSurfer stats reader on two real subjects (FreeSurfer 7.4.1 and 5.3-HCP)."""

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
