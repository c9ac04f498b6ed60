"""Write the REDCapR longitudinal dictionary in the two API spellings (CSV and JSON).

Run from this folder: ``python make_api_metadata.py``. The REDCap API's metadata
export holds the same 18 columns as the Data Dictionary download, with
snake_case names; only the header line changes, every cell is REDCapR's.
"""

import csv
import json
from pathlib import Path

HERE = Path(__file__).parent
SOURCE = HERE.parent / "REDCapR" / "projects" / "longitudinal" / "dictionary.csv"
API = ["field_name", "form_name", "section_header", "field_type", "field_label",
       "select_choices_or_calculations", "field_note",
       "text_validation_type_or_show_slider_number", "text_validation_min",
       "text_validation_max", "identifier", "branching_logic", "required_field",
       "custom_alignment", "question_number", "matrix_group_name", "matrix_ranking",
       "field_annotation"]

with SOURCE.open(encoding="utf-8", newline="") as fh:
    rows = list(csv.reader(fh))[1:]
with (HERE / "longitudinal_metadata_api.csv").open("w", encoding="utf-8", newline="") as fh:
    writer = csv.writer(fh, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writerow(API)
    writer.writerows(rows)
records = [dict(zip(API, row, strict=True)) for row in rows]
(HERE / "longitudinal_metadata_api.json").write_text(
    json.dumps(records, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
