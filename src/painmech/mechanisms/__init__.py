"""The ten mechanisms: rules, evidence texts (de/en), references and profile()."""
