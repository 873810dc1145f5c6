"""VMI mutations: thin — decode ids, call one domain service in one transaction, map."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.errors import user_errors
from api.graphql.purchasing.types import ReceivingSession
from api.graphql.relay import pk_of
from api.graphql.vmi.types import (
    CancelVmiProposalInput,
    CancelVmiProposalPayload,
    CreateVmiAgreementInput,
    CreateVmiAgreementPayload,
    DecideVmiProposalInput,
    DecideVmiProposalPayload,
    DraftVmiProposalInput,
    DraftVmiProposalPayload,
    StartConsignmentReceivingInput,
    StartConsignmentReceivingPayload,
    SubmitVmiProposalInput,
    SubmitVmiProposalPayload,
    UpdateVmiAgreementInput,
    UpdateVmiAgreementPayload,
    UpdateVmiProposalInput,
    UpdateVmiProposalPayload,
    VmiAgreement,
    VmiProposal,
)
from domain.errors import DomainError
from domain.vmi import agreements, consignment, proposals


@strawberry.type
class VmiMutations:
    @strawberry.mutation(description="Set up a VMI agreement (a buyer of the site).")
    async def create_vmi_agreement(
        self, info: Info[Context, None], input: CreateVmiAgreementInput
    ) -> CreateVmiAgreementPayload:
        cmd = agreements.AgreementInput(
            supplier_code=input.supplier_code,
            part_code=input.part_code,
            location_code=input.location_code,
            mode=input.mode.value,
            min_qty=input.min_quantity,
            max_qty=input.max_quantity,
            min_days=input.min_days_of_cover,
            max_days=input.max_days_of_cover,
            review_days=input.review_cadence_days,
            consignment=input.consignment,
            consignment_unit_price=input.consignment_unit_price,
            notes=input.notes,
        )
        try:
            async with info.context.write() as session:
                created = await agreements.create_agreement(session, info.context.principal, cmd)
        except DomainError as error:
            return CreateVmiAgreementPayload(agreement=None, errors=user_errors(error))
        return CreateVmiAgreementPayload(agreement=VmiAgreement.from_model(created), errors=[])

    @strawberry.mutation(description="Change an agreement's levels, cadence, consignment or active flag.")
    async def update_vmi_agreement(
        self, info: Info[Context, None], input: UpdateVmiAgreementInput
    ) -> UpdateVmiAgreementPayload:
        changes = agreements.AgreementChanges(
            mode=input.mode.value if input.mode else None,
            min_qty=input.min_quantity,
            max_qty=input.max_quantity,
            min_days=input.min_days_of_cover,
            max_days=input.max_days_of_cover,
            review_days=input.review_cadence_days,
            consignment=input.consignment,
            consignment_unit_price=input.consignment_unit_price,
            active=input.active,
            notes=input.notes,
        )
        try:
            pk = pk_of(input.agreement_id, "VmiAgreement", "agreementId")
            async with info.context.write() as session:
                changed = await agreements.update_agreement(session, info.context.principal, pk, changes)
        except DomainError as error:
            return UpdateVmiAgreementPayload(agreement=None, errors=user_errors(error))
        return UpdateVmiAgreementPayload(agreement=VmiAgreement.from_model(changed), errors=[])

    @strawberry.mutation(description="Draft a proposal pre-filled from the agreement (or get its open one).")
    async def draft_vmi_proposal(
        self, info: Info[Context, None], input: DraftVmiProposalInput
    ) -> DraftVmiProposalPayload:
        try:
            pk = pk_of(input.agreement_id, "VmiAgreement", "agreementId")
            async with info.context.write() as session:
                result = await proposals.draft_proposal(
                    session, info.context.principal, pk, comment=input.comment, idempotency_key=input.idempotency_key
                )
        except DomainError as error:
            return DraftVmiProposalPayload(proposal=None, created=False, errors=user_errors(error))
        return DraftVmiProposalPayload(
            proposal=VmiProposal.from_model(result.view.proposal), created=result.created, errors=[]
        )

    @strawberry.mutation(description="Edit a draft: replace its lines and/or comment.")
    async def update_vmi_proposal(
        self, info: Info[Context, None], input: UpdateVmiProposalInput
    ) -> UpdateVmiProposalPayload:
        try:
            pk = pk_of(input.proposal_id, "VmiProposal", "proposalId")
            lines = None
            if input.lines is not None:
                lines = [
                    proposals.ProposalLineInput(
                        agreement_id=pk_of(x.agreement_id, "VmiAgreement", "agreementId"),
                        quantity=x.quantity,
                        requested_date=x.requested_date,
                    )
                    for x in input.lines
                ]
            async with info.context.write() as session:
                view = await proposals.update_proposal(
                    session, info.context.principal, pk, lines=lines, comment=input.comment
                )
        except DomainError as error:
            return UpdateVmiProposalPayload(proposal=None, errors=user_errors(error))
        return UpdateVmiProposalPayload(proposal=VmiProposal.from_model(view.proposal), errors=[])

    @strawberry.mutation(description="Submit: within the bounds it is ordered at once, otherwise a buyer decides.")
    async def submit_vmi_proposal(
        self, info: Info[Context, None], input: SubmitVmiProposalInput
    ) -> SubmitVmiProposalPayload:
        try:
            pk = pk_of(input.proposal_id, "VmiProposal", "proposalId")
            async with info.context.write() as session:
                result = await proposals.submit_proposal(session, info.context.principal, pk)
        except DomainError as error:
            return SubmitVmiProposalPayload(
                proposal=None, auto_approved=False, replayed=False, errors=user_errors(error)
            )
        return SubmitVmiProposalPayload(
            proposal=VmiProposal.from_model(result.view.proposal),
            auto_approved=result.auto_approved,
            replayed=result.replayed,
            errors=[],
        )

    @strawberry.mutation(description="A buyer approves (placing the order) or rejects (with a comment) a proposal.")
    async def decide_vmi_proposal(
        self, info: Info[Context, None], input: DecideVmiProposalInput
    ) -> DecideVmiProposalPayload:
        try:
            pk = pk_of(input.proposal_id, "VmiProposal", "proposalId")
            async with info.context.write() as session:
                view = await proposals.decide_proposal(
                    session, info.context.principal, pk, approve=input.approve, comment=input.comment
                )
        except DomainError as error:
            return DecideVmiProposalPayload(proposal=None, errors=user_errors(error))
        return DecideVmiProposalPayload(proposal=VmiProposal.from_model(view.proposal), errors=[])

    @strawberry.mutation(description="Withdraw a draft or a proposal waiting for a buyer.")
    async def cancel_vmi_proposal(
        self, info: Info[Context, None], input: CancelVmiProposalInput
    ) -> CancelVmiProposalPayload:
        try:
            pk = pk_of(input.proposal_id, "VmiProposal", "proposalId")
            async with info.context.write() as session:
                view = await proposals.cancel_proposal(session, info.context.principal, pk, input.reason)
        except DomainError as error:
            return CancelVmiProposalPayload(proposal=None, errors=user_errors(error))
        return CancelVmiProposalPayload(proposal=VmiProposal.from_model(view.proposal), errors=[])

    @strawberry.mutation(description="Receive a consignment delivery: scans post into the supplier-owned zone.")
    async def start_consignment_receiving(
        self, info: Info[Context, None], input: StartConsignmentReceivingInput
    ) -> StartConsignmentReceivingPayload:
        try:
            async with info.context.write() as session:
                rs = await consignment.start_consignment_receiving(session, info.context.principal, input.ship_notice)
        except DomainError as error:
            return StartConsignmentReceivingPayload(receiving_session=None, errors=user_errors(error))
        return StartConsignmentReceivingPayload(receiving_session=ReceivingSession.from_model(rs), errors=[])
