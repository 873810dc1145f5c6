"""The job worker: a PostgreSQL-backed queue (procrastinate) running the nightly planning, alert
evaluation, KPI snapshots, month-end statements and the outbox dispatch, each idempotent and safe
with any number of workers. See docs/jobs.md."""
