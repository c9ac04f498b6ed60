"""Readers and writers: CSV (English and German conventions), Excel, Parquet.

Instrument readers (FreeSurfer stats, ROI time series, TMS grids, tDCS series)
and interoperability formats (REDCap, BIDS, FHIR) live in submodules.
"""

from painmech.io._freesurfer import read_freesurfer, read_freesurfer_stats
from painmech.io._instruments import (
    read_blood,
    read_roi_timeseries,
    read_tdcs_series,
    read_tms_grid,
)
from painmech.io._observations import (
    FileCheck,
    WideColumn,
    check_files,
    read_observations,
    read_subjects,
)
from painmech.io._partitioned import (
    iter_partitions,
    list_partitions,
    partition_of,
    write_partitioned,
)
from painmech.io._tabular import TableFormat, read_table, sniff_csv

__all__ = [
    "FileCheck",
    "TableFormat",
    "WideColumn",
    "check_files",
    "iter_partitions",
    "list_partitions",
    "partition_of",
    "read_blood",
    "read_freesurfer",
    "read_freesurfer_stats",
    "read_observations",
    "read_roi_timeseries",
    "read_subjects",
    "read_table",
    "read_tdcs_series",
    "read_tms_grid",
    "sniff_csv",
    "write_partitioned",
]
