"""Figures, HTML and PDF reports, translations.

* :func:`patient_report` — one subject's mechanism report, German or English,
  as HTML (Jinja2, autoescaped) or PDF (WeasyPrint; fetches no URL).
* :func:`mechanism_figure` — the mechanism overview bar chart.
* :func:`qst_profile_figure` — the DFNS-style QST z-profile.
* :func:`recovery_figure` — AUC, sensitivity and specificity of the
  simulation-based recovery validation.
* :func:`html_to_pdf`, :class:`RefusingURLFetcher` — the offline PDF renderer
  (imported on first use, so HTML reports do not need WeasyPrint).
"""

from painmech.report._figures import STATUS_COLOURS, figure_data_uri, mechanism_figure
from painmech.report._i18n import fmt_date, fmt_number, fmt_percent, fmt_z
from painmech.report._patient import patient_report, render_html
from painmech.report._qst_figure import DFNS_ORDER, qst_profile_figure
from painmech.report._recovery_figure import recovery_figure

__all__ = [
    "DFNS_ORDER",
    "STATUS_COLOURS",
    "RefusingURLFetcher",
    "URLRefusedError",
    "figure_data_uri",
    "fmt_date",
    "fmt_number",
    "fmt_percent",
    "fmt_z",
    "html_to_pdf",
    "mechanism_figure",
    "patient_report",
    "qst_profile_figure",
    "recovery_figure",
    "render_html",
]

_PDF = ("RefusingURLFetcher", "URLRefusedError", "html_to_pdf")


def __getattr__(name: str):
    if name in _PDF:
        from painmech.report import _pdf

        return getattr(_pdf, name)
    raise AttributeError(f"module 'painmech.report' has no attribute {name!r}")
