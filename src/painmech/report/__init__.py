"""Figures, HTML and PDF reports, translations."""
