#!/usr/bin/env bash
# Create the Brian2 benchmark environment (kept apart: Brian2 2.9 needs numpy < 2).
set -euo pipefail
ENV="${BRIAN2_ENV:-/tmp/brian2-env}"
python3 -m venv "$ENV"
"$ENV/bin/pip" install -q -r "$(dirname "$0")/requirements.txt"
echo "Brian2 environment ready: $ENV"
