"""Web pages: cohort dashboard, simulator and background-job results."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from painmech import storage
from painmech.api._deps import database
from painmech.api._web import form_of, page, redirect, web_actor
from painmech.registry import CONDITIONS

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/studies/{code}/cohort", response_class=HTMLResponse)
def cohort_page(code: str, request: Request):
    """Counts by condition and sex; starts the cohort statistics."""
    actor = web_actor(request)
    with database(request).read() as s:
        study = storage.get_study(s, code, actor)
        subjects = storage.load_subjects(s, actor, study)
    counts = (subjects.groupby(["condition", "sex"]).size().unstack(fill_value=0)
              if len(subjects) else None)
    return page(request, "cohort.html", study=study, counts=counts,
                mean_age=subjects.groupby("condition")["age"].mean().round(1).to_dict())


@router.post("/studies/{code}/cohort")
async def cohort_start(code: str, request: Request):
    """Run the cohort statistics as a background job."""
    actor = web_actor(request)
    await form_of(request)

    def work():
        with database(request).read() as s:
            study = storage.get_study(s, code, actor)
        return request.app.state.jobs.submit("cohort", {"study": code}, actor=actor,
                                             study_id=study.id)

    return redirect(f"/jobs/{quote(await run_in_threadpool(work))}")


@router.get("/simulator", response_class=HTMLResponse)
def simulator_page(request: Request):
    """Form for a virtual cohort."""
    web_actor(request)
    return page(request, "simulator.html", condition_ids=list(CONDITIONS))


@router.post("/simulator")
async def simulator_start(request: Request):
    """Start a simulation job."""
    actor = web_actor(request)
    form = await form_of(request)
    try:
        n = min(max(int(str(form.get("n", "50"))), 1), 2000)
        seed = min(max(int(str(form.get("seed", "0"))), 0), 2**31)
    except ValueError:
        raise ValueError("number of patients and seed must be whole numbers") from None
    conditions = [c for c in form.getlist("conditions") if c in CONDITIONS] or None
    job_id = await run_in_threadpool(request.app.state.jobs.submit, "simulate",
                                     {"n": n, "seed": seed, "conditions": conditions},
                                     actor=actor)
    return redirect(f"/jobs/{quote(job_id)}")


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(job_id: str, request: Request):
    """A job's state; reloads itself until the job has finished."""
    actor = web_actor(request)
    job = request.app.state.jobs.read(job_id[:64], actor)  # re-checks the study permission
    return page(request, "job.html", job=job,
                running=job["status"] in ("queued", "running"))
