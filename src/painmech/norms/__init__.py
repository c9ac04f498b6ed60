"""Reference sets with provenance, and z-scores."""
