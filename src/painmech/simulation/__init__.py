"""Virtual patients: the back-pain neuraxis model and its virtual test battery."""
