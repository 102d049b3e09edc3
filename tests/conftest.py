"""Shared fixtures.

PostgreSQL is the server on 127.0.0.1 (``SAMPLEMIND_TEST_POSTGRES_URL`` names it and the database
to connect to first). Each test session creates a database of its own there and drops it at the
end, so a run never meets the tables, rows or migration stamps of another branch's run, and two
runs on one server never share one. When the server is unreachable its tests are skipped with the
reason, except when ``SAMPLEMIND_TEST_REQUIRE_POSTGRES=1`` (``.ci/run`` sets it): then they fail,
so CI never passes without having run them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

SERVER_URL = os.environ.get(
    "SAMPLEMIND_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("SAMPLEMIND_TEST_REQUIRE_POSTGRES") == "1"

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=25, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The URL of an empty database created for this test session (skips when unreachable)."""
    import sqlalchemy as sa

    name = f"samplemind_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = sa.create_engine(
            SERVER_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
        )
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except Exception as exc:
        message = f"PostgreSQL at {SERVER_URL} unreachable ({type(exc).__name__}: {exc})"
        if REQUIRE_POSTGRES:
            pytest.fail(f"{message}; SAMPLEMIND_TEST_REQUIRE_POSTGRES=1 forbids skipping")
        pytest.skip(message)
    try:
        yield sa.make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
