"""Import a study from CSV files into the painmech database (SQLite).

Two centres deliver their data: a German lab exports from a spreadsheet with
German conventions (semicolon separator, decimal comma, Latin-1 encoding,
"weiblich"/"männlich", units such as "N/cm²"), an English lab with commas and
decimal points. painmech detects the conventions, checks every row against
the measure registry, converts to canonical units and stores the rows in a
study database with an audit trail. A third, faulty file shows what a user
sees when something is wrong: one table naming file, row, column, value and
reason for *every* problem — and nothing of that file is stored.

The data are painmech's shipped example study (synthetic values, see
``painmech.datasets.list_datasets()``), split between the two "centres".

Run::

    python examples/02_import_study_csv.py [OUTPUT_DIR]

Outputs: the three CSV pairs, ``problems.csv`` (the faulty file's problem
table) and ``study.sqlite`` (the database).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pandas as pd

from painmech import storage
from painmech.datasets import dataset_path
from painmech.io import check_files

out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="painmech-"))
out.mkdir(parents=True, exist_ok=True)

subj_path, obs_path = dataset_path("example")
subjects = pd.read_csv(subj_path)
observations = pd.read_csv(obs_path)

# --- 1. write the centres' files ------------------------------------------------------------
# Centre A (German): the first half of the subjects, PPT in N/cm² as the
# algometer shows it (1 N/cm² = 10 kPa), German sex labels and unit spellings.
centre_a = subjects["subject"].iloc[::2]
subj_de = subjects[subjects["subject"].isin(centre_a)].assign(
    sex=lambda d: d["sex"].map({"female": "weiblich", "male": "männlich"}))
obs_de = observations[observations["subject"].isin(centre_a)].copy()
is_kpa = obs_de["unit"].eq("kPa")
obs_de.loc[is_kpa, "value"] = (obs_de.loc[is_kpa, "value"] / 10).round(2)
obs_de.loc[is_kpa, "unit"] = "N/cm²"
obs_de["unit"] = obs_de["unit"].replace({"month": "Monate"})
german = {"sep": ";", "decimal": ",", "encoding": "latin-1", "index": False}
subj_de.to_csv(out / "probanden_zentrum_a.csv", **german)
obs_de.to_csv(out / "messwerte_zentrum_a.csv", **german)
print((out / "messwerte_zentrum_a.csv").read_text(encoding="latin-1").splitlines()[1])

# Centre B (English): the other subjects, as they are.
subjects[~subjects["subject"].isin(centre_a)].to_csv(out / "subjects_centre_b.csv", index=False)
observations[~observations["subject"].isin(centre_a)].to_csv(
    out / "observations_centre_b.csv", index=False)

# A faulty file: typical mistakes of hand-entered data.
bad = observations[observations["subject"].eq("ex02") & observations["measure"].eq("ppt")]
bad = bad.head(6).copy()
bad.iloc[0, bad.columns.get_loc("measure")] = "pptt"          # typo in a measure id
bad.iloc[1, bad.columns.get_loc("value")] = 25000.0            # PPT above the 2000 kPa limit
bad.iloc[2, bad.columns.get_loc("unit")] = "kg"                # a unit PPT cannot have
bad.iloc[3, bad.columns.get_loc("subject")] = "ex99"           # subject not in the subjects file
bad.iloc[4, bad.columns.get_loc("site")] = "knee"              # unknown body site
bad.to_csv(out / "observations_bad.csv", index=False)
subjects.to_csv(out / "subjects_bad.csv", index=False)

# --- 2. check a file before importing it ----------------------------------------------------
# check_files never raises: it returns the parsed tables and every problem at once.
check = check_files(out / "observations_bad.csv", out / "subjects_bad.csv")
check.problems.to_csv(out / "problems.csv", index=False)
print(f"\nthe faulty file has {len(check.problems)} problems:")
print(check.problems.to_string(index=False, max_colwidth=70))

# --- 3. import into the study database ------------------------------------------------------
db = storage.open_database(f"sqlite:///{(out / 'study.sqlite').resolve()}")
with db.write() as session:
    # SYSTEM is the built-in actor for scripts; the web app and the REST API
    # act as logged-in users with a role in the study (owner, editor, viewer).
    study = storage.create_study(session, storage.SYSTEM, "lbp_example", "Example LBP study")
    results = {
        "centre A (de)": storage.import_files(
            session, storage.SYSTEM, study, out / "messwerte_zentrum_a.csv",
            out / "probanden_zentrum_a.csv"),
        "centre B (en)": storage.import_files(
            session, storage.SYSTEM, study, out / "observations_centre_b.csv",
            out / "subjects_centre_b.csv"),
        "faulty file": storage.import_files(
            session, storage.SYSTEM, study, out / "observations_bad.csv",
            out / "subjects_bad.csv"),
    }
print()
for name, res in results.items():
    print(f"{name:14s} stored: {res.ok!s:5s} subjects {res.n_subjects:2d}  "
          f"observations {res.n_observations:3d}  problems {len(res.problems)}")

# --- 4. read the study back -----------------------------------------------------------------
with db.read() as session:
    study = storage.get_study(session, "lbp_example")
    stored = storage.load_observations(session, storage.SYSTEM, study)
    audit = storage.verify_audit(session)
print(f"\n{stored['subject'].nunique()} subjects, {len(stored)} observations in the database")
ppt = stored[stored["measure"].eq("ppt")]
print("PPT as stored (canonical kPa; the German file's N/cm² kept as value_raw/unit_raw):")
print(ppt.groupby("unit_raw")[["value_raw", "value"]].median().round(1).to_string())
print(f"audit log intact: {audit.ok} ({audit.n_entries} entries)")
