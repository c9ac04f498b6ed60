"""REST routes: metrics, z-scores, profiles, reports, cohort statistics, simulation jobs.

They call the public API of the core packages through :mod:`._analysis`.
"""

from __future__ import annotations

import json
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from painmech import storage
from painmech.api._analysis import analyse
from painmech.api._deps import current_actor, database
from painmech.api._errors import ApiError
from painmech.api._rest import records
from painmech.api._schemas import ERROR_RESPONSES
from painmech.storage import Actor

__all__ = ["router", "study_analysis", "report_bytes"]

router = APIRouter(prefix="/api", responses=ERROR_RESPONSES)


def study_analysis(request: Request, actor: Actor, study: str, session=None):
    """The (cached) pipeline run of a study (``session``: see :func:`analyse`)."""
    return analyse(database(request), actor, study, request.app.state.analysis_cache,
                   request.app.state.reference_min_n, session=session)


def _table_json(request: Request, actor: Actor, study: str, table: str,
                subject: str | None, visit: int | None) -> Response:
    """Rows of one analysis table as a JSON array, encoded once per data version.

    The body is what FastAPI's default encoder would send for :func:`records`
    (compact separators, NaN as null); it is kept on the cached analysis, so a
    repeated request costs the permission check and a dictionary lookup.
    """
    result = study_analysis(request, actor, study)

    def encode() -> bytes:
        rows = jsonable_encoder(records(result.rows(table, subject, visit)))
        return json.dumps(rows, ensure_ascii=False, allow_nan=False,
                          separators=(",", ":")).encode("utf-8")

    return Response(result.memo(("json", table, subject, visit), encode),
                    media_type="application/json")


@router.get("/studies/{study}/metrics", tags=["analysis"], response_model=list[dict])
def metrics(study: str, request: Request, actor: Actor = Depends(current_actor),
            subject: str | None = Query(None, max_length=64),
            visit: int | None = Query(None, ge=0, le=1_000_000)) -> Response:
    """Derived metrics (painmech.measures.compute_metrics)."""
    return _table_json(request, actor, study, "metrics", subject, visit)


@router.get("/studies/{study}/scores", tags=["analysis"], response_model=list[dict])
def scores(study: str, request: Request, actor: Actor = Depends(current_actor),
           subject: str | None = Query(None, max_length=64),
           visit: int | None = Query(None, ge=0, le=1_000_000)) -> Response:
    """z-scores against the study's healthy controls (painmech.norms.zscore)."""
    return _table_json(request, actor, study, "scores", subject, visit)


@router.get("/studies/{study}/profiles", tags=["analysis"], response_model=list[dict])
def profiles(study: str, request: Request, actor: Actor = Depends(current_actor),
             subject: str | None = Query(None, max_length=64),
             visit: int | None = Query(None, ge=0, le=1_000_000)) -> Response:
    """Mechanism profiles (painmech.mechanisms.profile)."""
    return _table_json(request, actor, study, "profile", subject, visit)


def report_bytes(request: Request, actor: Actor, study: str, subject: str, visit: int | None,
                 lang: str, fmt: str) -> bytes | str:
    """A patient report (painmech.report.patient_report); the export is audited."""
    from painmech.report import patient_report

    result = study_analysis(request, actor, study)
    if subject not in set(result.subjects["subject"]):
        raise storage.NotFound(f"no subject {subject!r} in study {study!r}")
    scores = result.rows("scores", subject)
    if scores.empty:
        raise ApiError(404, f"subject {subject!r} has no metrics to report yet")
    out = patient_report(scores, result.subjects, subject=subject, visit=visit, lang=lang,
                         format=fmt, reference=result.reference,
                         profile_table=result.rows("profile", subject))
    with database(request).write() as s:
        row = storage.get_study(s, study, actor)
        storage.record(s, actor, "export", "report", subject, study_id=row.id,
                       new={"subject": subject, "visit": visit, "lang": lang, "format": fmt})
    return out


@router.get("/studies/{study}/subjects/{subject}/report", tags=["analysis"],
            responses={200: {"content": {"application/pdf": {}, "text/html": {}}}})
def report(study: str, subject: str, request: Request, actor: Actor = Depends(current_actor),
           visit: int | None = Query(None, ge=0, le=1_000_000), lang: Literal["en", "de"] = "en",
           format: Literal["pdf", "html"] = "pdf") -> Response:
    """A patient's mechanism report as PDF or HTML, German or English."""
    out = report_bytes(request, actor, study, subject, visit, lang, format)
    if format == "pdf":
        return Response(out, media_type="application/pdf", headers={
            "content-disposition": f'attachment; filename="report-{visit or "first"}.pdf"'})
    return Response(out, media_type="text/html; charset=utf-8")


class JobIn(BaseModel):
    """A simulation job: virtual patients through the test battery."""

    n: int = Field(50, ge=1, le=2000, strict=True)
    conditions: list[str] | None = Field(None, max_length=7)
    visits: int = Field(1, ge=1, le=10, strict=True)
    seed: int = Field(0, ge=0, le=2**31, strict=True)


@router.post("/simulations", status_code=202, tags=["jobs"])
def simulate(body: JobIn, request: Request, actor: Actor = Depends(current_actor)) -> dict:
    """Start a simulation in the background; poll GET /api/jobs/{id}.

    At most 4 jobs per user may be queued or running at a time (429 beyond).
    """
    job_id = request.app.state.jobs.submit("simulate", body.model_dump(), actor=actor)
    return {"id": job_id, "status": "queued"}


@router.post("/studies/{study}/cohort", status_code=202, tags=["jobs"])
def cohort(study: str, request: Request, actor: Actor = Depends(current_actor)) -> dict:
    """Start the cohort statistics of a study in the background (painmech.cohort)."""
    with database(request).read() as s:
        row = storage.get_study(s, study, actor)
    job_id = request.app.state.jobs.submit("cohort", {"study": study}, actor=actor,
                                           study_id=row.id)
    return {"id": job_id, "status": "queued"}


@router.get("/jobs/{job_id}", tags=["jobs"])
async def job(job_id: str, request: Request, actor: Actor = Depends(current_actor)) -> dict:
    """State and result of a background job.

    Only its owner (or a site administrator) reads it, and a job on a study's
    data only while they may still view that study (404 otherwise).
    """
    return await run_in_threadpool(request.app.state.jobs.read, job_id[:64], actor)
