"""Server-rendered web pages (Jinja2, German and English): login, studies,
subjects, import wizard. Subject pages (visit entry, profile, course, report)
are in :mod:`._web_subject`; cohort and simulator in :mod:`._web_cohort`.
"""

from __future__ import annotations

from importlib.resources import files
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from painmech import storage
from painmech.api._deps import (
    SESSION_COOKIE,
    check_csrf,
    check_login,
    check_same_origin,
    csrf_token,
    database,
    optional_actor,
)
from painmech.api._errors import problems_records
from painmech.api._i18n import LANG_COOKIE, LANGS, pick_lang, translate
from painmech.registry import CONDITIONS
from painmech.storage import Actor, AuthenticationError

__all__ = ["router", "page", "web_actor", "html_error", "templates", "form_of"]

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(files("painmech.api") / "templates"))


class LoginRequired(AuthenticationError):
    """The page needs a logged-in user."""


def web_actor(request: Request) -> Actor:
    """The logged-in user of a page, or a redirect to the login page."""
    try:
        actor = optional_actor(request)
    except AuthenticationError:
        actor = None
    if actor is None:
        raise LoginRequired("log in first")
    return actor


def _lang_url(request: Request, lang: str) -> str:
    return request.url.path + "?" + str(request.url.include_query_params(lang=lang).query)


def page(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
    """Render a template with the language, the user and a CSRF token."""
    lang = pick_lang(request)
    token = getattr(request.state, "session_token", "")
    context.setdefault("actor", getattr(request.state, "actor", None))
    context.setdefault("api_docs", "/docs" if request.app.state.docs else "/openapi.json")
    response = templates.TemplateResponse(request, name, {
        "lang": lang, "t": lambda key, **kw: translate(key, lang, **kw), "langs": LANGS,
        "lang_url": lambda code: _lang_url(request, code),
        "csrf": csrf_token(token, request.app.state.secret) if token else "",
        "conditions": CONDITIONS, **context}, status_code=status)
    if request.query_params.get("lang") in LANGS:
        response.set_cookie(LANG_COOKIE, request.query_params["lang"], max_age=365 * 86400,
                            samesite="lax", httponly=True)
    return response


def html_error(request: Request, status: int, code: str, message: str, problems=None):
    """Error page for the web UI (401 → login page)."""
    if status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
    if problems is not None and not isinstance(problems, list):
        problems = problems_records(problems)
    return page(request, "error.html", status=status, status_code=status, code=code,
                message=message, problems=problems)


async def form_of(request: Request) -> dict:
    """Parse a small urlencoded/multipart form and check its CSRF token."""
    form = await request.form(max_files=2, max_fields=2000, max_part_size=1024 * 1024)
    check_csrf(request, form.get("csrf"))
    return form


def _local(target: str | None) -> str:
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/"):
    """The login form."""
    return page(request, "login.html", next=_local(next), failed=False, actor=None)


@router.post("/login")
async def login(request: Request):
    """Check the password (throttled), start a session, go on to the requested page.

    A form sent from another site is refused (login CSRF); while the name or
    the client address is locked after failed logins, the page answers 429
    without checking the password.
    """
    check_same_origin(request)
    form = await request.form(max_fields=10, max_files=0)
    username = str(form.get("username", ""))[:64]
    password = str(form.get("password", ""))[:1024]
    target = _local(str(form.get("next", "/")))
    try:
        _, token = await run_in_threadpool(check_login, request, username, password)
    except AuthenticationError:
        return page(request, "login.html", status=401, next=target, failed=True, actor=None)
    except storage.TooManyRequests as err:
        minutes = max(1, round((err.retry_after or 60) / 60))
        response = page(request, "login.html", status=429, next=target, failed=False,
                        locked_minutes=minutes, actor=None)
        response.headers["Retry-After"] = str(max(1, round(err.retry_after or 60)))
        return response
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", path="/",
                        secure=request.url.scheme == "https",
                        max_age=int(storage.SESSION_TTL.total_seconds()))
    return response


@router.post("/logout")
async def logout(request: Request):
    """End the session and revoke the API tokens created in it."""
    web_actor(request)
    await form_of(request)

    def work():
        with database(request).write() as s:
            storage.revoke_token(s, request.state.session_token)

    if getattr(request.state, "session_token", ""):
        await run_in_threadpool(work)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request):
    """The study list."""
    actor = web_actor(request)
    with database(request).read() as s:
        studies = storage.list_studies(s, actor)
        can_create = actor.token_study_id is None and (
            actor.is_admin or storage.get_user(s, actor.username).may_create_studies)
    return page(request, "studies.html", studies=studies.to_dict("records"),
                can_create=can_create)


@router.post("/studies")
async def create_study(request: Request):
    """Create a study from the form on the study list."""
    actor = web_actor(request)
    form = await form_of(request)

    def work():
        with database(request).write() as s:
            return storage.create_study(s, actor, str(form.get("code", "")).strip(),
                                        str(form.get("title", "")),
                                        str(form.get("description", ""))).code

    code = await run_in_threadpool(work)
    return RedirectResponse(f"/studies/{quote(code)}", status_code=303)


@router.get("/studies/{code}", response_class=HTMLResponse)
def study_page(code: str, request: Request, q: str = ""):
    """Subjects of a study with search."""
    actor = web_actor(request)
    with database(request).read() as s:
        study = storage.get_study(s, code, actor)
        subjects = storage.list_subjects(s, actor, study, q[:64] or None)
        role = storage.role_of(s, actor, study)
    return page(request, "subjects.html", study=study, role=role, q=q[:64],
                subjects=subjects.astype(object).where(subjects.notna(), None).to_dict(
                    "records"))


@router.post("/studies/{code}/subjects")
async def add_subject(code: str, request: Request):
    """Add a subject from the form on the subject list."""
    actor = web_actor(request)
    form = await form_of(request)

    def work():
        with database(request).write() as s:
            row = storage.add_subject(s, actor, storage.get_study(s, code, actor),
                                      str(form.get("subject", "")).strip(),
                                      str(form.get("sex", "")), str(form.get("age", "")),
                                      str(form.get("condition", "")),
                                      str(form.get("group", "")).strip() or None)
            return row.pseudonym

    pseudonym = await run_in_threadpool(work)
    return RedirectResponse(f"/studies/{quote(code)}/subjects/{quote(pseudonym)}",
                            status_code=303)


@router.get("/studies/{code}/import", response_class=HTMLResponse)
def import_page(code: str, request: Request):
    """Step 1 of the import wizard: choose the files."""
    actor = web_actor(request)
    with database(request).read() as s:
        study = storage.get_study(s, code, actor)
        storage.require(s, actor, study, "view")
    return page(request, "import.html", study=study, result=None)


@router.post("/studies/{code}/import", response_class=HTMLResponse)
async def import_files(code: str, request: Request):
    """Step 2: check everything; store all or nothing; show the problem table."""
    from painmech.api._rest_data import read_import_form

    actor = web_actor(request)
    obs, subj, names, folder, fields = await read_import_form(request)
    try:
        check_csrf(request, fields.get("csrf"))

        def work():
            with database(request).write() as s:
                study = storage.get_study(s, code, actor)
                return study, storage.import_files(s, actor, study, obs, subj, names=names)

        study, result = await run_in_threadpool(work)
    finally:
        folder.cleanup()
    return page(request, "import.html", status=200 if result.ok else 422, study=study,
                result=result, problems=problems_records(result.problems),
                flags=problems_records(result.flags))


def redirect(url: str) -> Response:
    """A 303 redirect (after a form post)."""
    return RedirectResponse(url, status_code=303)
