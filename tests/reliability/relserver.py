"""Serve painmech with uvicorn on 127.0.0.1: ``python relserver.py DB_URL PORT OPTIONS_JSON``.

Used by the reliability tests that need a real server process (concurrency,
oversized uploads, background jobs). Passwords are hashed with the real cost,
but the tests authenticate with API tokens issued beforehand.
"""

import json
import sys

import uvicorn

from painmech.api import create_app

if __name__ == "__main__":
    url, port, options = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
    uvicorn.run(create_app(url, **options), host="127.0.0.1", port=port, log_level="warning",
                timeout_graceful_shutdown=5)
