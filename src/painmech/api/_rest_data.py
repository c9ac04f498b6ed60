"""REST routes: observations (single, bulk, file import), validation, export, audit."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Literal

import pandas as pd
from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.datastructures import UploadFile

from painmech import storage
from painmech.api._deps import current_actor, database
from painmech.api._errors import ApiError, problems_records
from painmech.api._rest import records
from painmech.api._schemas import (
    ERROR_RESPONSES,
    BulkIn,
    ErrorBody,
    ImportOut,
    ObservationIn,
    ObservationOut,
    ObservationPatch,
    ObsId,
    Offset,
    ReasonIn,
    ValidateOut,
)
from painmech.registry import measures_table, validate_observations
from painmech.storage import Actor

__all__ = ["router", "save_upload", "UPLOAD_SUFFIXES"]

router = APIRouter(prefix="/api", responses=ERROR_RESPONSES)

UPLOAD_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".parquet")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._\- ]")


def _frame(items) -> pd.DataFrame:
    return pd.DataFrame([i.model_dump(exclude_none=True) for i in items])


def _import_out(result: storage.ImportResult) -> ImportOut:
    if not result.ok:
        raise ApiError(422, f"{len(result.problems)} problem(s); nothing was stored",
                       "validation_failed", result.problems)
    return ImportOut(import_id=result.import_id, n_subjects=result.n_subjects,
                     n_visits=result.n_visits, n_observations=result.n_observations,
                     flags=problems_records(result.flags))


@router.get("/studies/{study}/observations", response_model=list[ObservationOut],
            tags=["observations"])
def observations(study: str, request: Request, actor: Actor = Depends(current_actor),
                 subject: str | None = Query(None, max_length=64),
                 visit: int | None = Query(None, ge=0, le=1_000_000),
                 measure: str | None = Query(None, max_length=64)) -> list[dict]:
    """Observations in canonical units (filter by subject, visit, measure)."""
    with database(request).read() as s:
        frame = storage.load_observations(
            s, actor, storage.get_study(s, study, actor), with_ids=True,
            subjects=[subject] if subject else None, visits=[visit] if visit is not None else None,
            measures=[measure] if measure else None)
    frame["date"] = frame["date"].dt.date
    return records(frame)


@router.post("/studies/{study}/observations", response_model=ImportOut, status_code=201,
             tags=["observations"])
def add_observation(study: str, body: ObservationIn, request: Request,
                    actor: Actor = Depends(current_actor)) -> ImportOut:
    """Store one observation (validated; the subject must exist)."""
    with database(request).write() as s:
        result = storage.import_frames(s, actor, storage.get_study(s, study, actor),
                                       _frame([body]), source="api", files=("<request>",))
    return _import_out(result)


@router.post("/studies/{study}/observations/bulk", response_model=ImportOut, status_code=201,
             tags=["observations"])
def bulk(study: str, body: BulkIn, request: Request,
         actor: Actor = Depends(current_actor)) -> ImportOut:
    """Store many observations (and new subjects) at once — all or nothing."""
    subjects = _frame(body.subjects) if body.subjects else None
    with database(request).write() as s:
        result = storage.import_frames(s, actor, storage.get_study(s, study, actor),
                                       _frame(body.observations), subjects, source="api bulk",
                                       files=("<observations>", "<subjects>"))
    return _import_out(result)


@router.patch("/studies/{study}/observations/{obs_id}", response_model=ObservationOut,
              tags=["observations"])
def patch_observation(study: str, obs_id: ObsId, body: ObservationPatch, request: Request,
                      actor: Actor = Depends(current_actor)) -> dict:
    """Change a stored value (editors, owners; a reason is required)."""
    with database(request).write() as s:
        row = storage.get_study(s, study, actor)
        storage.update_observation(s, actor, row, obs_id, body.value, body.unit,
                                   reason=body.reason)
        frame = storage.load_observations(s, actor, row, with_ids=True)
    frame = frame.loc[frame["id"] == obs_id]
    frame["date"] = frame["date"].dt.date
    return records(frame)[0]


@router.delete("/studies/{study}/observations/{obs_id}", status_code=204,
               tags=["observations"])
def delete_observation(study: str, obs_id: ObsId, body: ReasonIn, request: Request,
                       actor: Actor = Depends(current_actor)) -> Response:
    """Soft-delete one observation (owners; a reason is required)."""
    with database(request).write() as s:
        storage.delete_observation(s, actor, storage.get_study(s, study, actor), obs_id,
                                   reason=body.reason)
    return Response(status_code=204)


@router.post("/validate", response_model=ValidateOut, tags=["observations"])
def validate(body: list[ObservationIn], request: Request,
             actor: Actor = Depends(current_actor)) -> ValidateOut:
    """Check observations against the registry without storing them (live validation)."""
    if len(body) > 5000:
        raise ApiError(413, "validate at most 5000 rows at a time")
    if not body:
        return ValidateOut(ok=True, problems=[], flags=[])
    checked = validate_observations(_frame(body), file="<form>", warn=False)
    return ValidateOut(ok=checked.ok, problems=problems_records(checked.problems),
                       flags=problems_records(checked.flags))


def safe_name(name: str | None) -> str:
    """A file name reduced to harmless characters (for messages, never for paths)."""
    base = Path(str(name or "upload")).name
    return (_SAFE_NAME.sub("_", base)[:100]) or "upload"


async def save_upload(upload: UploadFile, folder: Path) -> tuple[Path, str]:
    """Write an uploaded file into ``folder`` under a fixed name; return (path, shown name)."""
    shown = safe_name(upload.filename)
    suffix = Path(shown).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise ApiError(415, f"{shown}: unsupported file type {suffix or '(none)'}; use "
                       + ", ".join(UPLOAD_SUFFIXES), "unsupported_media_type")
    path = folder / f"{len(list(folder.iterdir()))}{suffix}"
    with path.open("wb") as out:
        while chunk := await upload.read(1 << 20):
            out.write(chunk)
    return path, shown


async def read_import_form(request: Request) -> tuple[Path, Path | None, tuple[str, ...],
                                                       tempfile.TemporaryDirectory, dict]:
    """Parse a multipart import form (bounded: 2 files, few fields)."""
    form = await request.form(max_files=2, max_fields=20, max_part_size=1024 * 1024)
    folder = tempfile.TemporaryDirectory(prefix="painmech-upload-")
    try:
        obs = form.get("observations")
        if not isinstance(obs, UploadFile):
            raise ApiError(422, "send the observations file in the form field 'observations'")
        obs_path, obs_name = await save_upload(obs, Path(folder.name))
        subj = form.get("subjects")
        subj_path, names = None, (obs_name,)
        if isinstance(subj, UploadFile) and subj.filename:
            subj_path, subj_name = await save_upload(subj, Path(folder.name))
            names = (obs_name, subj_name)
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
    except BaseException:
        folder.cleanup()
        raise
    finally:
        await form.close()
    return obs_path, subj_path, names, folder, fields


@router.post("/studies/{study}/imports", response_model=ImportOut, status_code=201,
             tags=["observations"], responses={415: {"model": ErrorBody}},
             openapi_extra={"requestBody": {"required": True, "content": {
                 "multipart/form-data": {"schema": {
                     "type": "object", "required": ["observations"],
                     "properties": {"observations": {"type": "string", "format": "binary"},
                                    "subjects": {"type": "string", "format": "binary"}}}}}}})
async def import_files(study: str, request: Request,
                       actor: Actor = Depends(current_actor)) -> ImportOut:
    """Import an observations file (and a subjects file): CSV, Excel or Parquet, all or
    nothing. On any problem, 422 with the problem table and nothing stored.
    """
    from starlette.concurrency import run_in_threadpool

    obs_path, subj_path, names, folder, _ = await read_import_form(request)
    try:
        def work():
            with database(request).write() as s:
                return storage.import_files(s, actor, storage.get_study(s, study, actor), obs_path,
                                            subj_path, names=names)
        result = await run_in_threadpool(work)
    finally:
        folder.cleanup()
    return _import_out(result)


@router.get("/studies/{study}/export", tags=["observations"],
            responses={200: {"content": {"text/csv": {}}}})
def export(study: str, request: Request, actor: Actor = Depends(current_actor),
           mode: Literal["pseudonymised", "shifted_dates", "no_dates",
                         "anonymised"] = "pseudonymised",
           table: Literal["observations", "subjects"] = "observations") -> Response:
    """Export the observations or subjects of a study as CSV (editors, owners; audited).

    Text cells that a spreadsheet would run as formulas are neutralised.
    """
    with database(request).write() as s:
        row = storage.get_study(s, study, actor)
        subjects, obs = storage.export_observations(s, actor, row, mode)
    frame = obs if table == "observations" else subjects
    text = storage.csv_safe(frame).to_csv(index=False)
    return Response(text, media_type="text/csv; charset=utf-8", headers={
        "content-disposition": f'attachment; filename="{study}-{table}-{mode}.csv"'})


@router.get("/studies/{study}/audit", tags=["audit"])
def audit(study: str, request: Request, actor: Actor = Depends(current_actor),
          limit: int = Query(100, ge=1, le=1000), offset: Offset = 0) -> list[dict]:
    """The newest audit entries of a study (owners)."""
    with database(request).read() as s:
        row = storage.get_study(s, study, actor)
        storage.require(s, actor, row, "manage")
        return records(storage.audit_frame(s, row.id, limit, offset))


@router.get("/audit/verify", tags=["audit"])
def verify(request: Request, actor: Actor = Depends(current_actor)) -> dict:
    """Recompute the audit chain and, with the app's audit key, its seals (administrators)."""
    if not actor.is_admin or actor.token_study_id is not None:
        raise storage.PermissionDenied("only administrators verify the audit log", "audit")
    db = database(request)
    with db.read() as s:
        report = storage.verify_audit(s, key=db.audit_key)
    return {"ok": report.ok, "n_entries": report.n_entries, "head": report.head,
            "n_sealed": report.n_sealed, "seals_checked": report.seals_checked,
            "n_unsealed_late": report.n_unsealed_late, "problems": records(report.problems)}


@router.get("/registry/measures", tags=["registry"])
def measures() -> list[dict]:
    """The measure registry: ids, labels (en/de), canonical and accepted units, limits."""
    return records(measures_table())

