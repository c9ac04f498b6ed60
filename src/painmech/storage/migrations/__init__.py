"""Alembic migrations of the painmech study database (run by ``painmech db``)."""
