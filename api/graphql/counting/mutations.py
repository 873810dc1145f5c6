"""Counting mutations: thin — parse, call one domain service in one transaction, map the result."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.counting.inputs import (
    ApproveAdjustmentsInput,
    ApproveAdjustmentsPayload,
    CloseCountPlanInput,
    CloseCountPlanPayload,
    CreateCountPlanInput,
    CreateCountPlanPayload,
    RecordCountInput,
    RecordCountPayload,
    ReviewVarianceInput,
    ReviewVariancePayload,
    StartCountTaskInput,
    StartCountTaskPayload,
)
from api.graphql.counting.types import CountPlan, CountTask, CountVariance
from api.graphql.errors import user_errors
from api.graphql.relay import pk_of
from api.graphql.stock.types import StockMove
from domain.counting import adjustments, entries, service
from domain.counting.models import CountKind, ReasonCode
from domain.errors import DomainError


@strawberry.type
class CountingMutations:
    @strawberry.mutation(description="Plan a cycle, full or sample count; a full count freezes its locations.")
    async def create_count_plan(self, info: Info[Context, None], input: CreateCountPlanInput) -> CreateCountPlanPayload:
        cadence = input.cadence_months
        command = service.CreatePlanCommand(
            kind=CountKind(input.kind.value),
            location_code=input.location_code,
            name=input.name,
            due_on=input.due_on,
            assignees=input.assignees or (),
            recount_pct=input.recount_pct,
            recount_value=input.recount_value,
            max_recounts=input.max_recounts,
            sample_fraction=input.sample_fraction,
            seed=input.seed,
            cadence_months=(
                {k: v for k, v in (("A", cadence.a), ("B", cadence.b), ("C", cadence.c)) if v is not None}
                if cadence
                else None
            ),
            window_days=input.window_days,
        )
        try:
            async with info.context.write() as session:
                plan = await service.create_plan(session, info.context.principal, command)
        except DomainError as error:
            return CreateCountPlanPayload(plan=None, errors=user_errors(error))
        return CreateCountPlanPayload(plan=CountPlan.from_model(plan), errors=[])

    @strawberry.mutation(description="Start a task: the book quantity is snapshotted (and never shown).")
    async def start_count_task(self, info: Info[Context, None], input: StartCountTaskInput) -> StartCountTaskPayload:
        try:
            task_id = pk_of(input.task_id, "CountTask", "taskId")
            async with info.context.write() as session:
                task = await entries.start_task(session, info.context.principal, task_id)
        except DomainError as error:
            return StartCountTaskPayload(task=None, errors=user_errors(error))
        return StartCountTaskPayload(task=CountTask.from_model(task), errors=[])

    @strawberry.mutation(description="Record a scan (bin, part barcode, quantity); retry-safe with idempotencyKey.")
    async def record_count(self, info: Info[Context, None], input: RecordCountInput) -> RecordCountPayload:
        try:
            command = entries.RecordCountCommand(
                plan_id=pk_of(input.plan_id, "CountPlan", "planId"),
                location_code=input.location_code,
                part_scan=input.part_scan,
                quantity=input.quantity,
                idempotency_key=input.idempotency_key,
            )
            async with info.context.write() as session:
                result = await entries.record_count(session, info.context.principal, command)
        except DomainError as error:
            return RecordCountPayload(task=None, recount_required=False, replayed=False, errors=user_errors(error))
        return RecordCountPayload(
            task=CountTask.from_model(result.task),
            recount_required=result.recount_required,
            replayed=result.replayed,
            errors=[],
        )

    @strawberry.mutation(description="Give the reason for a variance (store manager and above).")
    async def review_variance(self, info: Info[Context, None], input: ReviewVarianceInput) -> ReviewVariancePayload:
        try:
            variance_id = pk_of(input.variance_id, "CountVariance", "varianceId")
            async with info.context.write() as session:
                variance = await adjustments.review_variance(
                    session, info.context.principal, variance_id, ReasonCode(input.reason.value), input.note
                )
        except DomainError as error:
            return ReviewVariancePayload(variance=None, errors=user_errors(error))
        return ReviewVariancePayload(variance=CountVariance.from_model(variance), errors=[])

    @strawberry.mutation(description="Approve reviewed variances; their adjustments post through the ledger.")
    async def approve_adjustments(
        self, info: Info[Context, None], input: ApproveAdjustmentsInput
    ) -> ApproveAdjustmentsPayload:
        try:
            plan_id = pk_of(input.plan_id, "CountPlan", "planId")
            ids = None
            if input.variance_ids is not None:
                ids = [pk_of(v, "CountVariance", "varianceIds") for v in input.variance_ids]
            async with info.context.write() as session:
                result = await adjustments.approve_adjustments(session, info.context.principal, plan_id, ids)
        except DomainError as error:
            return ApproveAdjustmentsPayload(approved=[], already_approved=[], moves=[], errors=user_errors(error))
        return ApproveAdjustmentsPayload(
            approved=[CountVariance.from_model(v) for v in result.approved],
            already_approved=[CountVariance.from_model(v) for v in result.already_approved],
            moves=[StockMove.from_domain(m) for m in result.posting.moves] if result.posting else [],
            errors=[],
        )

    @strawberry.mutation(description="Close a plan: cancel uncounted tasks and lift a full count's freeze.")
    async def close_count_plan(self, info: Info[Context, None], input: CloseCountPlanInput) -> CloseCountPlanPayload:
        try:
            plan_id = pk_of(input.plan_id, "CountPlan", "planId")
            async with info.context.write() as session:
                plan = await service.close_plan(session, info.context.principal, plan_id)
        except DomainError as error:
            return CloseCountPlanPayload(plan=None, errors=user_errors(error))
        return CloseCountPlanPayload(plan=CountPlan.from_model(plan), errors=[])
