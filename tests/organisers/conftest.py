"""Fixtures: see tests/organisers/fixtures.py."""

from tests.organisers.fixtures import as_role, db, web

__all__ = ["as_role", "db", "web"]
