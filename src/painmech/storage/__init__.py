"""Study database: SQLAlchemy models, repository functions, migrations, audit, auth.

Open a database with :func:`open_database` (a SQLite file by default,
PostgreSQL by URL; the schema is created on first use), then work inside
``db.write()`` / ``db.read()`` sessions with the repository functions. Every
function takes the acting :class:`Actor`, checks the actor's role in the study
and writes an audit entry for each change in the same transaction.

Examples
--------
>>> from painmech import storage
>>> db = storage.open_database("sqlite:///study.sqlite")     # doctest: +SKIP
>>> with db.write() as s:                                    # doctest: +SKIP
...     study = storage.create_study(s, storage.SYSTEM, "lbp1", "LBP cohort")
...     result = storage.import_files(s, storage.SYSTEM, study, "obs.csv", "subjects.csv")
>>> result.ok, result.problems                               # doctest: +SKIP
"""

from painmech.storage._accounts import (
    get_user,
    list_tokens,
    list_users,
    login_locks,
    require_admin,
    reset_password,
    revoke_token_id,
    revoke_user_tokens,
    set_user_flags,
    unlock_login,
)
from painmech.storage._audit import (
    GENESIS,
    SYSTEM,
    Actor,
    AuditReport,
    audit_frame,
    canonical_json,
    record,
    verify_audit,
)
from painmech.storage._audit_seal import audit_key_id, generate_audit_key, load_audit_key, seal
from painmech.storage._auth import (
    API_TOKEN_TTL,
    MIN_PASSWORD_LENGTH,
    PERMISSIONS,
    SESSION_TTL,
    actor_for,
    create_user,
    hash_password,
    issue_token,
    require,
    resolve_token,
    revoke_token,
    role_of,
    set_role,
    token_hash,
    verify_password,
)
from painmech.storage._demo import (
    DemoLogin,
    build_demo_database,
    foreign_content,
    remove_sqlite_files,
)
from painmech.storage._engine import (
    Database,
    create_private_file,
    database_error_message,
    default_db_url,
)
from painmech.storage._errors import (
    AuthenticationError,
    Conflict,
    DatabaseMissing,
    NotFound,
    PermissionDenied,
    ReasonRequired,
    SchemaOutdated,
    StorageError,
    TooManyRequests,
)
from painmech.storage._export import EXPORT_MODES, csv_safe, export_observations
from painmech.storage._imports import ImportResult, import_files, import_frames
from painmech.storage._instrument import INSTRUMENT_KINDS, import_instrument, load_instrument
from painmech.storage._jobs import (
    ACTIVE_JOB_STATES,
    MAX_ACTIVE_JOBS_PER_USER,
    create_job,
    fail_runner_jobs,
    fail_stale_jobs,
    finish_job,
    heartbeat_jobs,
    job_state,
    read_job,
    start_job,
)
from painmech.storage._login import (
    DEFAULT_LOGIN_POLICY,
    UNKNOWN_USER,
    LoginAttempt,
    LoginPolicy,
    attempt_login,
    authenticate,
)
from painmech.storage._migrate import (
    backup,
    check_exists,
    check_writable,
    current_revision,
    head_revision,
    migrate,
    open_database,
    table_counts,
)
from painmech.storage._models import ROLES
from painmech.storage._observations import (
    delete_observation,
    load_observations,
    load_subjects,
    update_observation,
)
from painmech.storage._pseudonym import (
    generate_pseudonym_key,
    load_pseudonym_key,
    pseudonymize,
)
from painmech.storage._studies import (
    STUDY_CODE_RULE,
    add_subject,
    add_visit,
    check_study_code,
    create_study,
    delete_study,
    delete_subject,
    delete_visit,
    get_study,
    get_subject,
    get_visit,
    list_studies,
    list_subjects,
    list_visits,
    study_code,
    update_subject,
)

__all__ = [
    "ACTIVE_JOB_STATES", "API_TOKEN_TTL", "DEFAULT_LOGIN_POLICY", "EXPORT_MODES", "GENESIS",
    "INSTRUMENT_KINDS", "MAX_ACTIVE_JOBS_PER_USER", "MIN_PASSWORD_LENGTH", "PERMISSIONS",
    "ROLES", "SESSION_TTL", "SYSTEM", "UNKNOWN_USER",
    "Actor", "AuditReport", "AuthenticationError", "Conflict", "Database", "DatabaseMissing",
    "DemoLogin", "ImportResult", "LoginAttempt", "LoginPolicy", "NotFound", "PermissionDenied",
    "ReasonRequired", "SchemaOutdated", "StorageError", "TooManyRequests",
    "attempt_login", "create_job", "fail_runner_jobs", "fail_stale_jobs", "finish_job", "get_user",
    "heartbeat_jobs", "job_state", "list_tokens", "list_users", "login_locks", "read_job",
    "require_admin", "reset_password", "revoke_token_id", "revoke_user_tokens",
    "set_user_flags", "start_job", "unlock_login", "foreign_content", "remove_sqlite_files",
    "create_private_file", "database_error_message", "check_exists", "check_writable",
    "study_code",
    "actor_for", "add_subject", "add_visit", "audit_frame", "audit_key_id", "authenticate",
    "backup", "build_demo_database", "canonical_json", "create_study", "create_user", "csv_safe",
    "current_revision", "default_db_url", "delete_observation", "delete_study",
    "delete_subject", "delete_visit", "export_observations", "generate_audit_key",
    "generate_pseudonym_key",
    "get_study", "get_subject", "get_visit", "hash_password", "head_revision",
    "import_files", "import_frames", "import_instrument", "issue_token", "list_studies",
    "list_subjects", "list_visits", "load_instrument", "load_observations",
    "load_audit_key", "load_pseudonym_key", "load_subjects", "migrate", "open_database",
    "pseudonymize", "record", "require", "resolve_token", "revoke_token", "role_of", "seal",
    "set_role",
    "table_counts", "token_hash", "update_observation", "update_subject", "verify_audit",
    "verify_password",
    "STUDY_CODE_RULE", "check_study_code",
]
