"""Reliable change over visits, trajectories and normalisation with recovery."""
