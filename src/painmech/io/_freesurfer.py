"""Read FreeSurfer ``stats/`` folders (5.x–7.x) into observations.

A FreeSurfer ``.stats`` file is text: ``#`` header lines — among them
``# Measure <structure>, <name>, <description>, <value>, <unit>`` and
``# ColHeaders <names…>`` — followed by whitespace-separated table rows.
The files of FreeSurfer 5.3, 6.0 and 7.x differ in header rows and column
spacing; 6.0 writes the aparc cortex-volume header line with one comma fewer
(``# Measure Cortex, CortexVol Total cortical gray matter volume, 555332.58,
mm^3``), which is read as name ``CortexVol`` plus its description; and one
structure name matters here: the thalamus is
``Left-/Right-Thalamus-Proper`` up to FreeSurfer 6 and ``Left-/Right-Thalamus``
from 7.0. Both become site ``thalamus``.

:func:`read_freesurfer` turns one subject directory into observations:

* ``gmv`` (mm³): ``GrayVol`` of every ``?h.aparc.stats`` parcel (site = parcel
  name, side = hemisphere) and ``Volume_mm3`` of the subcortical grey
  structures of ``aseg.stats`` (thalamus, caudate, putamen, pallidum,
  hippocampus, amygdala, accumbens_area, ventraldc, cerebellum_cortex);
* ``etiv`` (mm³): the ``EstimatedTotalIntraCranialVol`` header line of
  ``aseg.stats`` (Buckner et al. 2004 NeuroImage 23:724).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from painmech.exceptions import InputFormatError
from painmech.registry import validate_observations

__all__ = ["read_freesurfer", "read_freesurfer_stats"]

#: aseg structures that are grey matter (FreeSurfer's subcortical grey set plus
#: cerebellar cortex), after normalisation (lower case, ``-`` → ``_``).
ASEG_GREY = ("thalamus", "caudate", "putamen", "pallidum", "hippocampus", "amygdala",
             "accumbens_area", "ventraldc", "cerebellum_cortex")
_RENAME = {"thalamus_proper": "thalamus"}  # FreeSurfer ≤ 6 name
_SIDE = {"left": "left", "right": "right", "lh": "left", "rh": "right"}
_MEASURE = re.compile(r"^#\s*Measure\s+(.*)$")


def _measure_line(body: str, path: Path, lineno: int) -> tuple[str, str, str, float, str]:
    """Split ``structure, name, description, value, unit`` of one ``# Measure`` line.

    FreeSurfer 6.0 (and, as the fsqc reader notes, 7.1) writes the aparc cortex
    line with one comma fewer — ``Cortex, CortexVol Total cortical gray matter
    volume, 555332.58, mm^3`` — so a four-part line whose second part holds
    the name and the description (separated by the first space) is accepted.
    """
    parts = [p.strip() for p in body.split(",")]
    if len(parts) == 4 and " " in parts[1]:
        name, description = parts[1].split(None, 1)
        parts = [parts[0], name, description, parts[2], parts[3]]
    if len(parts) < 5:
        raise InputFormatError(
            f"{path}, line {lineno}: malformed Measure line {body.strip()!r}; expected "
            "'<structure>, <name>, <description>, <value>, <unit>'")
    try:
        value = float(parts[-2])
    except ValueError:
        raise InputFormatError(
            f"{path}, line {lineno}: Measure value {parts[-2]!r} is not a number") from None
    return parts[0], parts[1], ", ".join(parts[2:-2]), value, parts[-1]


def read_freesurfer_stats(path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Parse one FreeSurfer ``.stats`` file.

    Parameters
    ----------
    path : path-like
        E.g. ``stats/aseg.stats`` or ``stats/lh.aparc.stats``.

    Returns
    -------
    measures : pandas.DataFrame
        Header ``# Measure`` lines: ``structure, name, description, value,
        unit`` (value as float).
    table : pandas.DataFrame
        The table with the ``ColHeaders`` names; numeric columns as float.
    meta : dict
        ``generating_program``, ``cvs_version``, ``hemi``, ``subjectname``
        where present.

    Raises
    ------
    InputFormatError
        If the file is missing, has no ``ColHeaders`` line, or a row has the
        wrong number of fields (the message names file and line).
    """
    path = Path(path)
    if not path.is_file():
        raise InputFormatError(f"{path}: no such FreeSurfer stats file")
    measures, rows, header, meta = [], [], None, {}
    for lineno, line in enumerate(path.read_text(encoding="latin-1").splitlines(), start=1):
        text = line.strip()
        if not text:
            continue
        if text.startswith("#"):
            hit = _MEASURE.match(text)
            if hit:
                measures.append(_measure_line(hit.group(1), path, lineno))
                continue
            words = text.lstrip("#").split()
            if words and words[0] == "ColHeaders":
                header = words[1:]
            elif words and words[0] in ("generating_program", "cvs_version", "hemi",
                                        "subjectname"):
                meta[words[0]] = " ".join(words[1:])
            continue
        if header is None:
            raise InputFormatError(f"{path}, line {lineno}: table row before 'ColHeaders'")
        fields = text.split()
        if len(fields) != len(header):
            raise InputFormatError(
                f"{path}, line {lineno}: {len(fields)} fields, expected {len(header)} "
                f"({' '.join(header)})")
        rows.append(fields)
    if header is None:
        raise InputFormatError(f"{path}: no '# ColHeaders' line; not a FreeSurfer stats file")
    table = pd.DataFrame(rows, columns=header, dtype=object)
    for col in header:
        num = pd.to_numeric(table[col], errors="coerce")
        if num.notna().all() and len(table):
            table[col] = num.astype(float)
    measures = pd.DataFrame(measures, columns=["structure", "name", "description", "value",
                                               "unit"])
    return measures, table, meta


def _stats_dir(subject_dir: Path) -> Path:
    for candidate in (subject_dir / "stats", subject_dir):
        if (candidate / "aseg.stats").is_file():
            return candidate
    raise InputFormatError(f"{subject_dir}: no stats/aseg.stats (nor aseg.stats) found")


def _require(table: pd.DataFrame, columns, path: Path) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputFormatError(f"{path}: column(s) {', '.join(missing)} missing from the table")


def _one_subject(subject_dir: Path, subject: str, visit: int) -> tuple[pd.DataFrame, str]:
    stats = _stats_dir(subject_dir)
    measures, aseg, meta = read_freesurfer_stats(stats / "aseg.stats")
    _require(aseg, ["StructName", "Volume_mm3"], stats / "aseg.stats")
    name = aseg["StructName"].astype(str).str.casefold().str.replace("-", "_", regex=False)
    split = name.str.extract(r"^(left|right)_(.+)$")
    site = split[1].replace(_RENAME)
    keep = split[0].notna() & site.isin(ASEG_GREY)
    parts = [pd.DataFrame({"measure": "gmv", "site": site[keep], "side": split[0][keep],
                           "value": aseg.loc[keep, "Volume_mm3"]})]
    for hemi in ("lh", "rh"):
        path = stats / f"{hemi}.aparc.stats"
        _, aparc, _ = read_freesurfer_stats(path)
        _require(aparc, ["StructName", "GrayVol"], path)
        parts.append(pd.DataFrame({"measure": "gmv",
                                   "site": aparc["StructName"].astype(str).str.casefold(),
                                   "side": _SIDE[hemi], "value": aparc["GrayVol"]}))
    etiv = measures.loc[measures["structure"].eq("EstimatedTotalIntraCranialVol"), "value"]
    if len(etiv):
        parts.append(pd.DataFrame({"measure": ["etiv"], "site": ["none"], "side": ["none"],
                                   "value": [etiv.iloc[0]]}))
    table = pd.concat(parts, ignore_index=True)
    # a structure with no voxels (volume 0) is absent from this segmentation
    table = table.loc[table["value"] > 0]
    table = table.assign(subject=subject, visit=str(visit), trial="1", unit="mm3")
    return table, meta.get("cvs_version", "unknown")


def read_freesurfer(
    subject_dir: str | Path | Sequence[str | Path],
    *,
    subject: str | Sequence[str] | None = None,
    visit: int = 0,
) -> pd.DataFrame:
    """Read FreeSurfer subject directories into grey-matter observations.

    Parameters
    ----------
    subject_dir : path-like or sequence of path-likes
        A FreeSurfer subject directory containing ``stats/aseg.stats``,
        ``stats/lh.aparc.stats`` and ``stats/rh.aparc.stats`` (a folder that
        holds these three files directly is accepted too). FreeSurfer 5.x to
        7.x.
    subject : str or sequence of str, optional
        Pseudonym(s) to store; default the directory name(s). The
        ``subjectname`` inside the files is not used, since it may be a real
        identifier.
    visit : int
        Visit number for every row (default 0).

    Returns
    -------
    pandas.DataFrame
        Validated observations (``subject, visit, measure, site, side, trial,
        value, unit, value_raw, unit_raw, flag``) with ``measure`` ``gmv``
        (site = aparc parcel or aseg structure, side left/right; mm³) and
        ``etiv`` (site/side ``none``; mm³). ``attrs["freesurfer_version"]``
        maps each subject to the ``cvs_version`` of its ``aseg.stats``.

    Raises
    ------
    InputFormatError
        When a stats file is missing or malformed.
    ValidationError
        When a value breaks the registry's limits (e.g. an implausible eTIV).

    Examples
    --------
    >>> obs = read_freesurfer("/data/fs/sub-01")  # doctest: +SKIP
    >>> painmech.measures.greymatter_metrics(obs)  # doctest: +SKIP
    """
    single = isinstance(subject_dir, (str, Path))
    dirs = [Path(subject_dir)] if single else [Path(d) for d in subject_dir]
    if subject is None:
        names = [d.resolve().name for d in dirs]
    else:
        names = [subject] if isinstance(subject, str) else list(subject)
    if len(names) != len(dirs):
        raise ValueError(f"{len(dirs)} subject directories but {len(names)} subject names")
    if len(set(names)) != len(names):
        raise ValueError(f"subject names must be unique, got {names}")
    tables, versions = [], {}
    for directory, name in zip(dirs, names, strict=True):  # one small file set per subject
        table, versions[name] = _one_subject(directory, name, visit)
        tables.append(table)
    combined = pd.concat(tables, ignore_index=True)
    source = str(dirs[0]) if single else "<freesurfer directories>"
    out = validate_observations(combined, file=source).raise_if_problems()
    out.attrs["freesurfer_version"] = versions
    return out
