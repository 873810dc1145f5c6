"""job queue: procrastinate's schema (jobs, periodic defers, workers, events)

Procrastinate ships its schema as one SQL script; applying it here makes `ims migrate` set up the
queue like every other table. The script holds several statements and dollar-quoted function
bodies, so it goes to asyncpg's simple-query protocol directly (inside this migration's
transaction), not through SQLAlchemy's prepared statements.

Upgrading procrastinate later: add a revision that runs the package's files in
`procrastinate/sql/migrations/` newer than the version installed here (3.10).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 16:00:01
"""

from collections.abc import Sequence

from procrastinate.schema import SchemaManager
from sqlalchemy.util import await_only

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _run_script(sql: str) -> None:
    if op.get_context().as_sql:  # offline mode: print the script
        op.execute(sql)
        return
    driver = op.get_bind().connection.driver_connection
    if hasattr(driver, "fetchrow"):  # asyncpg, inside SQLAlchemy's greenlet
        await_only(driver.execute(sql))
    else:  # a libpq driver executes a multi-statement script as is
        op.get_bind().exec_driver_sql(sql.replace("%", "%%"))


def upgrade() -> None:
    _run_script(SchemaManager.get_schema())


def downgrade() -> None:
    _run_script(
        """
        DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs,
                             procrastinate_workers CASCADE;
        DO $$
        DECLARE f record;
        BEGIN
            FOR f IN SELECT p.oid::regprocedure AS sig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                      WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate%' LOOP
                EXECUTE 'DROP FUNCTION IF EXISTS ' || f.sig || ' CASCADE';
            END LOOP;
        END $$;
        DROP TYPE IF EXISTS procrastinate_job_to_defer_v1, procrastinate_job_event_type,
                            procrastinate_job_status CASCADE;
        """
    )
