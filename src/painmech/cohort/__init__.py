"""Group comparisons, associations, subgroups, prognosis and the claims check."""
