"""Write the FreeSurfer 6.0 and 7.0 header variants from the two real subjects.

Run from this folder: ``python make_variants.py``. Only header lines change; every
table row and every value comes from the real files. What each version writes
is documented in PROVENANCE.md (with the public files it was taken from).
"""

from pathlib import Path

HERE = Path(__file__).parent
FS53 = HERE / "hcp_198451_fs53" / "stats"
FS741 = HERE / "fs741_subject" / "stats"

SEGSTATS_60 = "# cvs_version $Id: mri_segstats.c,v 1.121 2016/05/31 17:27:11 greve Exp $"
ANATOMICAL_60 = ("# cvs_version $Id: mris_anatomical_stats.c,v 1.79 2016/03/14 15:15:34 "
                 "greve Exp $")
MRISURF_60 = ("# mrisurf.c-cvs_version $Id: mrisurf.c,v 1.781.2.6 2016/12/27 16:47:14 "
              "zkaufman Exp $")


def _aseg_measures(aseg: list[str]) -> dict[str, str]:
    out = {}
    for line in aseg:
        if line.startswith("# Measure "):
            structure = line[len("# Measure "):].split(",")[0]
            out[structure] = line.rsplit(",", 2)[1].strip()
    return out


def fs60() -> None:
    """6.0: mri_segstats 1.121 / mris_anatomical_stats 1.79; aparc repeats the brain
    volumes with the comma-less cortex line; thalamus stays Thalamus-Proper."""
    out = HERE / "fs60_subject" / "stats"
    out.mkdir(parents=True, exist_ok=True)
    aseg = (FS53 / "aseg.stats").read_text(encoding="latin-1").splitlines()
    aseg = [SEGSTATS_60 if ln.startswith("# cvs_version") else ln for ln in aseg]
    (out / "aseg.stats").write_text("\n".join(aseg) + "\n", encoding="latin-1")
    vol = _aseg_measures(aseg)
    block = [
        f"# Measure BrainSeg, BrainSegVol, Brain Segmentation Volume, {vol['BrainSeg']}, mm^3",
        "# Measure BrainSegNotVent, BrainSegVolNotVent, Brain Segmentation Volume Without "
        f"Ventricles, {vol['BrainSegNotVent']}, mm^3",
        "# Measure BrainSegNotVentSurf, BrainSegVolNotVentSurf, Brain Segmentation Volume "
        f"Without Ventricles from Surf, {vol['BrainSegNotVentSurf']}, mm^3",
        "# Measure Cortex, CortexVol Total cortical gray matter volume, "
        f"{vol['Cortex']}, mm^3",
        "# Measure SupraTentorial, SupraTentorialVol, Supratentorial volume, "
        f"{vol['SupraTentorial']}, mm^3",
        "# Measure SupraTentorialNotVent, SupraTentorialVolNotVent, Supratentorial volume, "
        f"{vol['SupraTentorialNotVent']}, mm^3",
        "# Measure EstimatedTotalIntraCranialVol, eTIV, Estimated Total Intracranial Volume, "
        f"{vol['EstimatedTotalIntraCranialVol']}, mm^3",
    ]
    for hemi in ("lh", "rh"):
        lines = (FS53 / f"{hemi}.aparc.stats").read_text(encoding="latin-1").splitlines()
        new = []
        for ln in lines:
            if ln.startswith("# cvs_version"):
                ln = ANATOMICAL_60
            elif ln.startswith("# mrisurf.c-cvs_version"):
                ln = MRISURF_60
            elif ln.startswith("# cmdline"):
                ln = ln.replace("mris_anatomical_stats -mgz", "mris_anatomical_stats -th3 -mgz")
            new.append(ln)
            if ln.startswith("# Measure Cortex, MeanThickness"):
                new += block
        (out / f"{hemi}.aparc.stats").write_text("\n".join(new) + "\n", encoding="latin-1")


def fs70() -> None:
    """7.0: cvs_version 7.0.0, 'BrainVolStatsFixed-NotNeeded' note, Left-/Right-Thalamus."""
    out = HERE / "fs70_subject" / "stats"
    out.mkdir(parents=True, exist_ok=True)
    for name in ("aseg.stats", "lh.aparc.stats", "rh.aparc.stats"):
        lines = (FS741 / name).read_text(encoding="latin-1").splitlines()
        new = []
        for ln in lines:
            if ln in ("# cvs_version 7.4.1", "# mrisurf.c-cvs_version 7.4.1"):
                ln = ln.replace("7.4.1", "7.0.0")
            elif ln.startswith("# BrainVolStatsFixed"):
                ln = "# BrainVolStatsFixed-NotNeeded because voxelvolume=1mm3"
            elif ln.startswith("# cmdline"):
                ln = ln.replace("/usr/local/freesurfer/7.4.1/", "/usr/local/freesurfer/")
            new.append(ln)
        (out / name).write_text("\n".join(new) + "\n", encoding="latin-1")


if __name__ == "__main__":
    fs60()
    fs70()
