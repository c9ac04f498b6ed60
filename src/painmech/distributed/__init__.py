"""The profile pipeline and simulation sweeps on Dask."""
