"""Web pages of one subject: visits and course, visit entry with live
validation, mechanism profile with figures, report download.

Everything derived from the study's pipeline run (course table, reliable
change, profile table and figures) is computed once per subject, visit and
language and kept on the cached :class:`~painmech.api._analysis.Analysis` of
the current data version, so a write to the study gives fresh pages and
repeated views cost no pipeline or matplotlib work.
"""

from __future__ import annotations

import threading
from urllib.parse import quote

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from painmech import storage
from painmech.api._deps import database
from painmech.api._errors import problems_records
from painmech.api._i18n import pick_lang
from painmech.api._rest_analysis import report_bytes, study_analysis
from painmech.api._web import form_of, page, redirect, web_actor
from painmech.registry import MEASURES, SIDES, SITES, UNIT_LABELS

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
_ROW_FIELDS = ("measure", "site", "side", "trial", "value", "unit")
_EMPTY_ROWS = 6
#: pyplot keeps global state; figures are drawn one at a time across request threads.
_PLOT_LOCK = threading.Lock()


def _figure(make) -> str:
    """PNG data URI of the figure ``make()`` returns (closed afterwards)."""
    import matplotlib.pyplot as plt

    from painmech.report import figure_data_uri

    with _PLOT_LOCK:
        fig = make()
        try:
            return figure_data_uri(fig)
        finally:
            plt.close(fig)


def _course(metrics: pd.DataFrame, subject: str) -> pd.DataFrame:
    """Metric values of one subject as rows (metric, site, side) × columns (visits)."""
    mine = metrics.loc[metrics["subject"] == subject]
    if mine.empty:
        return pd.DataFrame()
    wide = mine.pivot_table(index=["metric", "site", "side", "unit"], columns="visit",
                            values="value", aggfunc="first")
    return wide.round(2).reset_index()


def _reliable_change(metrics: pd.DataFrame, subject: str, rel: pd.DataFrame | None = None
                     ) -> pd.DataFrame:
    """Reliable change of one subject's metrics since the first visit.

    The individual SEM/MDC95 of each metric comes from
    :func:`painmech.longitudinal.reliability_for` (the study's controls measured
    twice where there are enough, published individual-level figures
    elsewhere, the controls' SD for ICC-only figures);
    :func:`painmech.longitudinal.reliable_change` judges each later value
    against them.
    """
    from painmech.longitudinal import reliability_for, reliable_change

    mine = metrics.loc[metrics["subject"] == subject]
    if mine["visit"].nunique() < 2:
        return pd.DataFrame()
    rel = reliability_for(metrics) if rel is None else rel
    if rel.empty:
        rel = pd.DataFrame({"metric": pd.Series(dtype=str), "sem": pd.Series(dtype=float)})
    out = reliable_change(mine, rel)
    return out.round({"baseline_value": 2, "value": 2, "change": 2, "mdc95": 2,
                      "reliable_below": 2, "reliable_above": 2})


@router.get("/studies/{code}/subjects/{subject}", response_class=HTMLResponse)
def subject_page(code: str, subject: str, request: Request):
    """Visits, stored values and the course of every metric over visits."""
    actor = web_actor(request)
    with database(request).read() as s:
        study = storage.get_study(s, code, actor)
        role = storage.require(s, actor, study, "view")
        row = storage.get_subject(s, study, subject)
        visits = storage.list_visits(s, actor, study, subject)
        obs = storage.load_observations(s, actor, study, subjects=[subject], with_ids=True)
        result = study_analysis(request, actor, code, session=s)
    course, changes = _subject_views(result, subject)
    return page(request, "subject.html", study=study, role=role, subject=row,
                visits=visits.to_dict("records"), observations=obs.to_dict("records"),
                course=course, course_visits=[c for c in course.columns if isinstance(c, int)],
                changes=changes)


def _subject_views(result, subject: str) -> tuple[pd.DataFrame, list[dict]]:
    """Course table and reliable-change records of one subject (memoised)."""
    from painmech.longitudinal import reliability_for

    def views():
        metrics = result.metrics
        mine = result.rows("metrics", subject)
        rel = (result.memo(("reliability",),
                           lambda: reliability_for(metrics, subjects=result.subjects))
               if mine["visit"].nunique() >= 2 else None)
        return (_course(mine, subject),
                _reliable_change(mine, subject, rel).to_dict("records"))

    return result.memo(("subject_views", subject), views)


def _rows_from_form(form) -> pd.DataFrame:
    columns = {f: form.getlist(f)[:500] for f in _ROW_FIELDS}
    n = min(len(v) for v in columns.values())
    frame = pd.DataFrame({f: [str(x).strip() for x in v[:n]] for f, v in columns.items()})
    return frame.loc[frame["measure"].ne("") | frame["value"].ne("")].reset_index(drop=True)


def _entry(request, study, subject, rows, visit, problems=None, status=200):
    blank = pd.DataFrame({f: [""] * _EMPTY_ROWS for f in _ROW_FIELDS})
    shown = pd.concat([rows, blank], ignore_index=True) if len(rows) else blank
    lang = pick_lang(request)
    measures = [(m.id, m.label_de if lang == "de" else m.label_en, m.unit)
                for m in MEASURES.values()]
    return page(request, "visit.html", status=status, study=study, subject=subject,
                rows=shown.to_dict("records"), visit=visit, problems=problems or [],
                measures=measures, sites=list(SITES), sides=SIDES, units=sorted(UNIT_LABELS))


@router.get("/studies/{code}/subjects/{subject}/visit", response_class=HTMLResponse)
def visit_page(code: str, subject: str, request: Request):
    """The visit entry form (rows of measure, site, side, trial, value, unit)."""
    actor = web_actor(request)
    with database(request).read() as s:
        study = storage.get_study(s, code, actor)
        storage.require(s, actor, study, "enter")
        row = storage.get_subject(s, study, subject)
        visits = storage.list_visits(s, actor, study, subject)
    nxt = int(visits["visit"].max()) + 1 if len(visits) else 0
    return _entry(request, study, row, pd.DataFrame(columns=list(_ROW_FIELDS)), nxt)


@router.post("/studies/{code}/subjects/{subject}/visit", response_class=HTMLResponse)
async def save_visit(code: str, subject: str, request: Request):
    """Store the visit's values all or nothing; on problems show them beside the rows."""
    actor = web_actor(request)
    form = await form_of(request)
    rows = _rows_from_form(form)
    visit = str(form.get("visit", "")).strip()[:12]
    data = rows.assign(subject=subject, visit=visit, _row=range(1, len(rows) + 1))
    date = str(form.get("date", "")).strip()[:10]
    if date:
        data["date"] = date

    def work():
        with database(request).write() as s:
            study = storage.get_study(s, code, actor)
            row = storage.get_subject(s, study, subject)
            if data.empty:
                return study, row, None
            return study, row, storage.import_frames(s, actor, study, data, source="web form",
                                                     files=("form",))

    study, row, result = await run_in_threadpool(work)
    if result is not None and result.ok:
        return redirect(f"/studies/{quote(code)}/subjects/{quote(subject)}?saved="
                        f"{result.n_observations}")
    problems = (problems_records(result.problems) if result is not None else
                [{"file": "form", "row": 0, "column": "value", "value": "",
                  "reason": "no values entered"}])
    return _entry(request, study, row, rows, visit, problems, status=422)


@router.get("/studies/{code}/subjects/{subject}/profile", response_class=HTMLResponse)
def profile_page(code: str, subject: str, request: Request, visit: int | None = None):
    """The mechanism profile of one visit with its figures and evidence."""
    actor = web_actor(request)
    with database(request).read() as s:
        study = storage.get_study(s, code, actor)
        storage.require(s, actor, study, "view")
        row = storage.get_subject(s, study, subject)
        result = study_analysis(request, actor, code, session=s)
    lang = pick_lang(request)
    visits, visit, table, figures = result.memo(
        ("profile_page", subject, visit, lang),
        lambda: _profile_views(result, subject, visit, lang))
    return page(request, "profile.html", study=study, subject=row, visit=visit, visits=visits,
                table=table, figures=figures, reference=getattr(result.reference, "name", ""))


def _profile_views(result, subject: str, visit: int | None, lang: str):
    """Visits, shown visit, profile table rows and figure URIs of one profile page."""
    from painmech.mechanisms import CAVEATS, EVIDENCE_LEVELS, mechanism_text
    from painmech.report import mechanism_figure, qst_profile_figure

    prof = result.rows("profile", subject)
    visits = sorted(int(v) for v in prof["visit"].unique())
    if visit is None and visits:
        visit = visits[0]
    prof = prof.loc[prof["visit"] == visit]
    figures, table = [], []
    if not prof.empty:
        figures.append(_figure(lambda: mechanism_figure(prof, lang=lang)))
        scores = result.rows("scores", subject)
        figures.append(_figure(lambda: qst_profile_figure(scores, subject, visit, lang=lang)))
        for rec in prof.to_dict("records"):
            notes = [CAVEATS[c].de if lang == "de" else CAVEATS[c].en
                     for c in str(rec.get("caveats") or "").split(";") if c in CAVEATS]
            table.append({**rec, "label": mechanism_text(rec["mechanism"], lang)["label"],
                          "evidence_text": EVIDENCE_LEVELS.get(rec["evidence"], {}).get(
                              lang, rec["evidence"]), "notes": notes})
    return visits, visit, table, figures


@router.get("/studies/{code}/subjects/{subject}/report.{fmt}")
def report_download(code: str, subject: str, fmt: str, request: Request,
                    visit: int | None = None):
    """Download the patient report (PDF or HTML) in the page's language."""
    actor = web_actor(request)
    if fmt not in ("pdf", "html"):
        return Response(status_code=404)
    out = report_bytes(request, actor, code, subject, visit, pick_lang(request), fmt)
    if fmt == "pdf":
        return Response(out, media_type="application/pdf", headers={
            "content-disposition": 'attachment; filename="painmech-report.pdf"'})
    return Response(out, media_type="text/html; charset=utf-8")
