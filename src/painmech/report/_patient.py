"""The patient report: one subject and visit, German or English, HTML or PDF."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from painmech import __version__
from painmech.mechanisms import (
    CATALOG,
    CAVEATS,
    EVIDENCE_LEVELS,
    FLAG_TEXT,
    INFLUENCE,
    LANGS,
    PATTERN_TEXT,
    STATUS_TEXT,
    ProfileSettings,
    cite,
    mechanism_text,
    profile,
)
from painmech.registry import CONDITIONS, METRICS, SITES, UNIT_LABELS
from painmech.report._figures import STATUS_COLOURS, figure_data_uri, mechanism_figure
from painmech.report._i18n import (
    SEX_LABEL,
    SIDE_LABEL,
    STATUS_LABEL,
    UI,
    fmt_date,
    fmt_number,
    fmt_percent,
    fmt_z,
)
from painmech.report._qst_figure import DFNS_ORDER, qst_profile_figure

__all__ = ["patient_report", "render_html"]

_ENV = Environment(loader=PackageLoader("painmech.report", "templates"),
                   autoescape=select_autoescape(default=True, default_for_string=True),
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def _unit(unit: str) -> str:
    return UNIT_LABELS.get(unit, unit).split(" (")[0]


def _label(metric: str, lang: str) -> str:
    m = METRICS.get(metric)
    if m is None:
        return metric
    return m.label_de if lang == "de" else m.label_en


def _site(site: str, lang: str) -> str:
    s = SITES.get(site)
    if s is None:
        return "–" if site == "none" else site
    return s.label_de if lang == "de" else s.label_en


def _data_rows(rows: pd.DataFrame, metrics: tuple[str, ...], lang: str) -> list[dict]:
    sel = rows[rows["metric"].isin(metrics)].copy()
    sel["_order"] = sel["metric"].map({m: i for i, m in enumerate(metrics)})
    sel = sel.sort_values(["_order", "site", "side"], kind="stable")
    unit = sel["unit"] if "unit" in sel else pd.Series("", index=sel.index)
    return [{"metric": _label(m, lang), "site": _site(str(s), lang),
             "side": SIDE_LABEL[lang].get(str(d), str(d)),
             "value": f"{fmt_number(v, lang)} {_unit(str(u))}".strip(),
             "z": fmt_z(z, lang)}
            for m, s, d, v, u, z in zip(sel["metric"], sel["site"], sel["side"], sel["value"],
                                        unit.fillna(""), sel["z"], strict=True)]


class _Refs:
    """Numbers references in order of first citation."""

    def __init__(self) -> None:
        self.keys: list[str] = []

    def __call__(self, keys) -> list[int]:
        out = []
        for k in keys:
            if k not in self.keys:
                self.keys.append(k)
            out.append(self.keys.index(k) + 1)
        return out


def _notes(ids: str, table: dict, lang: str, refs: _Refs) -> list[dict]:
    return [{"text": getattr(table[i], lang),
             "level": EVIDENCE_LEVELS[table[i].level][lang],
             "refs": refs(table[i].references)}
            for i in filter(None, str(ids).split(";"))]


def _mechanism_block(row: pd.Series, rows: pd.DataFrame, lang: str, refs: _Refs) -> dict:
    spec = CATALOG[row["mechanism"]]
    text = mechanism_text(row["mechanism"], lang)
    status = str(row["status"])
    finding = STATUS_TEXT[status][lang].format(score=fmt_z(row["score"], lang),
                                               probability=fmt_percent(row["probability"],
                                                                       lang))
    extra = []
    if row["pattern"]:
        extra.append(PATTERN_TEXT[row["pattern"]][lang])
    for flag in filter(None, str(row["flags"]).split(";")):
        value = row["flag_value"]
        shown = (fmt_number(value, lang, 0) if flag == "homeostatic_class"
                 else fmt_number(value, lang, 1))
        extra.append(FLAG_TEXT[flag][lang].format(value=shown))
    return {
        "id": spec.id, "label": text["label"], "what": text["what"], "status": status,
        "status_label": STATUS_LABEL[lang][status], "colour": STATUS_COLOURS[status],
        "evidence": EVIDENCE_LEVELS[spec.evidence][lang], "evidence_refs": refs(spec.references),
        "finding": finding, "extra": extra,
        "data": _data_rows(rows, spec.metrics, lang) if status != "not_assessed" else [],
        "caveats": _notes(row["caveats"], CAVEATS, lang, refs),
        "influence": _notes(row["influence"], INFLUENCE, lang, refs),
    }


def _provenance(reference, names: list[str], lang: str) -> dict:
    if reference is None:
        return {"record": None, "missing": UI[lang]["ref_none"].format(
            names=", ".join(names) if names else "–")}
    prov = getattr(reference, "provenance_", reference)
    get = prov.get if isinstance(prov, dict) else (lambda k, d=None: getattr(prov, k, d))
    synthetic = bool(get("synthetic", False))
    return {"record": {
        "name": str(get("name", "")), "source": str(get("source", "")),
        "version": str(get("version", "")),
        "n": fmt_number(get("n", np.nan), lang, 0),
        "created": str(get("created", "") or "–"),
        "synthetic": UI[lang]["yes" if synthetic else "no"], "is_synthetic": synthetic},
        "missing": ""}


def render_html(scores: pd.DataFrame, subjects: pd.DataFrame, *, subject: str,
                visit: int | None = None, lang: str = "en",
                profile_table: pd.DataFrame | None = None, reference=None,
                settings: ProfileSettings | None = None,
                date: _dt.date | None = None) -> str:
    """Render the patient report as a self-contained HTML document.

    Parameters are those of :func:`patient_report` (without ``format`` and
    ``path``). Returns the HTML as a string.
    """
    if lang not in LANGS:
        raise ValueError(f"Invalid value for the 'lang' parameter: {lang!r}. "
                         f"Allowed values are {', '.join(map(repr, LANGS))}.")
    settings = settings or ProfileSettings()
    subject = str(subject)
    rows = scores[scores["subject"].astype(str) == subject]
    if rows.empty:
        raise ValueError(f"no scores for subject {subject!r}")
    visit = int(rows["visit"].min()) if visit is None else int(visit)
    rows = rows[rows["visit"].astype("int64") == visit]
    if rows.empty:
        raise ValueError(f"no scores for subject {subject!r} at visit {visit}")
    subj = subjects[subjects["subject"].astype(str) == subject]
    if subj.empty:
        raise ValueError(f"subject {subject!r} is not in the subjects table")
    subj = subj.iloc[0]
    if profile_table is None:
        prof = profile(rows, subjects[subjects["subject"].astype(str) == subject],
                       settings=settings)
    else:
        prof = profile_table[(profile_table["subject"].astype(str) == subject)
                             & (profile_table["visit"].astype("int64") == visit)]
        if prof.empty:
            raise ValueError(f"the profile table has no rows for {subject!r}, visit {visit}")
    prof = prof.set_index("mechanism").loc[[m for m in CATALOG if m in
                                            set(prof["mechanism"])]].reset_index()
    ui = UI[lang]
    refs = _Refs()
    blocks = [_mechanism_block(r, rows, lang, refs) for _, r in prof.iterrows()]  # 10 rows
    qst_rows = rows[rows["metric"].isin(DFNS_ORDER) & rows["z"].notna()]
    # the figure title shows the pseudonym; "$" would start matplotlib mathtext
    label = subject.replace("$", r"\$")
    qst_uri = (figure_data_uri(qst_profile_figure(rows.assign(subject=label), label, visit,
                                                  lang=lang))
               if len(qst_rows) else None)
    cond = CONDITIONS.get(str(subj["condition"]))
    names = sorted({str(r) for r in rows.get("ref", pd.Series(dtype=object)).dropna()
                    if str(r)})
    context = {
        "lang": lang, "ui": ui,
        "header": {
            "pseudonym": subject, "visit": visit,
            "condition": (cond.label_de if lang == "de" else cond.label_en) if cond
            else str(subj["condition"]),
            "sex": SEX_LABEL[lang].get(str(subj.get("sex", "")), "–"),
            "age": fmt_number(subj.get("age", np.nan), lang, 0),
            "date": fmt_date(date or _dt.date.today(), lang),
        },
        "overview_uri": figure_data_uri(mechanism_figure(prof, lang=lang, settings=settings)),
        "qst_uri": qst_uri,
        "mechanisms": blocks,
        "model_text": ui["model_text"].format(
            p_hi=fmt_percent(settings.p_indicated, lang),
            p_lo=fmt_percent(settings.p_not_indicated, lang),
            t=fmt_number(settings.z_threshold, lang, 2)),
        "reference": _provenance(reference, names, lang),
        "references": [(i + 1, cite(k)) for i, k in enumerate(refs.keys)],
        "generated": ui["generated"].format(version=__version__),
    }
    return _ENV.get_template("patient.html").render(**context)


def patient_report(scores: pd.DataFrame, subjects: pd.DataFrame, *, subject: str,
                   visit: int | None = None, lang: str = "en", format: str | None = None,
                   path: str | Path | None = None,
                   profile_table: pd.DataFrame | None = None, reference=None,
                   settings: ProfileSettings | None = None,
                   date: _dt.date | None = None) -> str | bytes:
    """Write a patient's mechanism report as HTML or PDF, in German or English.

    Parameters
    ----------
    scores : pandas.DataFrame
        Scores table (:func:`painmech.norms.zscore`) with at least this
        subject's rows; ``unit`` is shown when present.
    subjects : pandas.DataFrame
        ``subject, condition`` (``sex, age`` shown when present).
    subject : str
        Pseudonym of the subject (untrusted text; escaped in the output).
    visit : int, optional
        Visit to report (default: the subject's first visit in ``scores``).
    lang : {"de", "en"}
        Language; numbers follow the locale (``1,5`` in German).
    format : {"html", "pdf"}, optional
        Output format; default from the suffix of ``path``, else ``"html"``.
    path : str or Path, optional
        Write the report there as well.
    profile_table : pandas.DataFrame, optional
        A profile (:func:`painmech.mechanisms.profile`); computed from
        ``scores`` with ``settings`` when omitted.
    reference : ReferenceSet, Provenance or dict, optional
        The reference set (its provenance is printed: name, source, version,
        n, created, synthetic). Without it the report says that no
        provenance was supplied for the named set(s).
    settings : ProfileSettings, optional
    date : datetime.date, optional
        Report date (default today).

    Returns
    -------
    str or bytes
        The HTML text, or the PDF bytes.

    Notes
    -----
    HTML is rendered by Jinja2 with autoescaping on; figures are PNG data
    URIs; the PDF renderer (WeasyPrint) uses a URL fetcher that refuses every
    URL (:class:`painmech.report.RefusingURLFetcher`).
    """
    if format is None:
        format = "pdf" if path is not None and Path(path).suffix.lower() == ".pdf" else "html"
    if format not in ("html", "pdf"):
        raise ValueError(f"Invalid value for the 'format' parameter: {format!r}. "
                         "Allowed values are 'html', 'pdf'.")
    html = render_html(scores, subjects, subject=subject, visit=visit, lang=lang,
                       profile_table=profile_table, reference=reference, settings=settings,
                       date=date)
    if format == "html":
        if path is not None:
            Path(path).write_text(html, encoding="utf-8")
        return html
    from painmech.report._pdf import html_to_pdf

    pdf = html_to_pdf(html)
    if path is not None:
        Path(path).write_bytes(pdf)
    return pdf
