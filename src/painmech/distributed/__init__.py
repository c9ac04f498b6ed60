"""The same per-partition pipeline functions, on one machine or on Dask.

Work is split by subject partitions of a Parquet dataset (see
:func:`painmech.io.write_partitioned`). :func:`map_partitions` runs a pure
function on every partition either in this process, streaming one partition
at a time with a progress bar (bounded memory), or as tasks on any Dask
scheduler (``client`` or ``address``). Partition results are concatenated in
partition order, so both routes return identical tables.

The profile pipeline itself runs over a dataset with :func:`profile_dataset`
(reference set fitted once, then applied per partition); :func:`read_profile`
reads a partitioned profile back as one table.
"""

from painmech.distributed._map import map_partitions, run_sweep
from painmech.distributed._profile import profile_dataset, read_profile

__all__ = ["map_partitions", "profile_dataset", "read_profile", "run_sweep"]
