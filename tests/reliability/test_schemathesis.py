"""Property-based tests of the REST API from its OpenAPI schema (schemathesis).

For every documented operation schemathesis generates valid and invalid requests
(authenticated as the study owner with an API token) and checks that there is
no 5xx, that status codes, content types and bodies conform to the schema, and
that data breaking the schema is rejected with a 4xx. Examples are bounded so
the suite stays fast. Operations that start worker processes (simulation and
cohort jobs) or render PDFs are covered by their own tests instead.
"""

from __future__ import annotations

import os
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from relhelpers import record_figures

#: examples per operation (bounded so the suite stays fast; raise it locally to dig deeper)
EXAMPLES = int(os.environ.get("PAINMECH_SCHEMATHESIS_EXAMPLES", "10"))
_SEEN: dict[str, int] = {}
_TIME: dict[str, float] = {}
#: Checks left out, and why:
#: - positive_data_acceptance: a request can match the schema and still break a registry
#:   rule (unknown measure, unit, hard limit); 422 with the problem table is then correct.
#: - unsupported_method: PATCH /observations/bulk reaches PATCH /observations/{obs_id}
#:   with obs_id="bulk" and gets 422 (not an integer) rather than 405.
EXCLUDED = [schemathesis.checks.positive_data_acceptance,
            schemathesis.checks.unsupported_method]


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_asgi("/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema").exclude(
    path_regex=r"^/api/simulations$|/cohort$|/report$|^/api/auth/logout$")


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, token):
    t0 = time.perf_counter()
    response = case.call_and_validate(headers=token["owner"], excluded_checks=EXCLUDED)
    assert response.status_code < 500
    key = case.operation.label
    _SEEN[key] = _SEEN.get(key, 0) + 1
    _TIME[key] = _TIME.get(key, 0) + time.perf_counter() - t0


def test_schemathesis_figures():
    """Summary of the requests made above (when they ran in this process)."""
    if _SEEN:
        record_figures("schemathesis", operations=len(_SEEN), requests=sum(_SEEN.values()),
                       slowest={k: round(v, 1) for k, v in sorted(
                           _TIME.items(), key=lambda kv: -kv[1])[:5]})
