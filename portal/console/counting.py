"""Counting tasks, blind: the counter scans the bin and the part and types what is there; the book
quantity, the expected quantity and the variance are never shown (nor sent to the browser). A count
outside the plan's tolerance comes back as a recount prompt."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from domain.counting import entries, queries
from domain.counting.models import TaskStatus
from domain.errors import DomainError
from domain.identity.policy import Permission
from domain.org.models import Location
from portal.console.common import names, object_id, partial, quantity_of, scan_error, site_view
from portal.web import NotFound, Page, _

ACTIVE = (TaskStatus.OPEN, TaskStatus.COUNTING, TaskStatus.RECOUNT)
MAX_TASKS = 500


@site_view(permission=Permission.COUNT_PERFORM)
async def count_home(page: Page, site: Location) -> Response:
    async with page.read() as session:
        tasks, _more = await queries.list_tasks(
            session,
            page.principal,
            queries.TaskFilter(location_code=site.code, statuses=ACTIVE),
            first=MAX_TASKS,
        )
        plans = await queries.plans_by_ids(session, sorted({t.plan_id for t in tasks}))
    per_plan: dict[int, dict[str, int]] = {}
    for task in tasks:
        counts = per_plan.setdefault(task.plan_id, {"open": 0, "recount": 0})
        counts["recount" if task.status == TaskStatus.RECOUNT else "open"] += 1
    return page.render(
        "console/count.html",
        site=site,
        plans=[plans[pid] for pid in sorted(per_plan) if pid in plans],
        per_plan=per_plan,
    )


async def _context(page: Page, site: Location, plan_id: int) -> dict[str, Any]:
    async with page.read() as session:
        plan = await queries.plan_by_id(session, page.principal, plan_id)
        if plan is None:
            raise NotFound()
        tasks, _more = await queries.list_tasks(
            session,
            page.principal,
            queries.TaskFilter(plan_id=plan.id, location_code=site.code, statuses=ACTIVE),
            first=MAX_TASKS,
        )
        labels = await names(
            session, page.principal, page.lang, [t.part_id for t in tasks], [t.location_id for t in tasks]
        )
    locations = {t.location_id for t in tasks}
    only = labels.loc(next(iter(locations))) if len(locations) == 1 else ""
    return {
        "site": site,
        "plan": plan,
        "tasks": sorted(
            tasks, key=lambda t: (t.status != TaskStatus.RECOUNT, labels.loc(t.location_id), labels.part(t.part_id))
        ),
        "names": labels,
        "default_location": only,
    }


@site_view(permission=Permission.COUNT_PERFORM)
async def plan_page(page: Page, site: Location) -> Response:
    return page.render("console/count_plan.html", **await _context(page, site, object_id(page)))


@site_view(permission=Permission.COUNT_PERFORM)
async def record(page: Page, site: Location) -> Response:
    """One count: bin, part, quantity found. Never answers with a book figure."""
    plan_id = object_id(page)
    location = page.value("location")[:40]
    try:
        quantity = quantity_of(page.value("quantity"))
        async with page.write() as session:
            result = await entries.record_count(
                session,
                page.principal,
                entries.RecordCountCommand(
                    plan_id=plan_id,
                    location_code=location,
                    part_scan=page.value("code")[:64],
                    quantity=quantity,
                    idempotency_key=page.idempotency_key or "",
                ),
            )
            await page.audit(session, "counting.record_count", target_type="CountTask", target_id=result.task.id)
    except DomainError as error:
        return scan_error(page, error, f"/count/plans/{plan_id}")
    context = await _context(page, site, plan_id)
    part = context["names"].part(result.task.part_id) or page.value("code").upper()
    html = partial(page, "console/_count_tasks.html", **context)
    back = None if page.is_scan else f"/count/plans/{plan_id}"
    if result.recount_required:
        message = _("Recount: please count {part} at {location} again.", part=part, location=location.upper())
        return page.scan_result(False, message, html=html, redirect=back)
    return page.scan_result(
        True, _("Counted {part} at {location}.", part=part, location=location.upper()), html=html, redirect=back
    )
