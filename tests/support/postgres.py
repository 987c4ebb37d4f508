"""Finding a PostgreSQL server for the PostgreSQL variant of the tests.

The server at 127.0.0.1:5432 is used when one answers; otherwise testcontainers starts one where a
Docker engine answers; otherwise the PostgreSQL tests are skipped with the reason (never passed).
"""

from __future__ import annotations

import functools
import os

LOCAL_DSN = os.environ.get("EMULATION_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")


@functools.cache
def postgres() -> tuple[str | None, str]:
    """(dsn or None, how it was found or why there is none)."""
    import psycopg

    try:
        with psycopg.connect(LOCAL_DSN, connect_timeout=3) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
        return LOCAL_DSN, f"local server at 127.0.0.1:5432 (PostgreSQL {version})"
    except Exception as local_error:
        try:
            from testcontainers.postgres import PostgresContainer

            container = PostgresContainer("postgres:16-alpine")
            container.start()
            dsn = container.get_connection_url().replace("+psycopg2", "")
            return dsn, "testcontainers (Docker engine)"
        except Exception as docker_error:
            return (
                None,
                f"not run: no PostgreSQL at 127.0.0.1:5432 ({local_error}) and no Docker engine ({docker_error})",
            )


def drop_schemas(dsn: str, prefix: str) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", (prefix + "%",)).fetchall()
        for (name,) in rows:
            conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
