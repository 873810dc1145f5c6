"""Authorization of GraphQL operations: every root field names the domain permission it needs.

`ROOT_FIELD_POLICIES` is the registry. A root field missing from it is refused at run time (fail
closed) and fails `tests/api/test_authorization_matrix.py`, which introspects the schema — so a new
field cannot ship without a policy. `AUTHENTICATED` fields (`node`, `me`) are open to every
principal and filter objects themselves: what is outside your scope is "not found".

Below the root, the domain services filter by the same policy (a supplier sees only its parts,
a store only its locations), so nested fields, edges and aggregates agree with the root."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final, Literal

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationType,
    SelectionSetNode,
    get_operation_ast,
)
from strawberry.extensions import SchemaExtension

from api.graphql.context import Context, OperationInfo
from api.oauth.tokens import REALM
from domain.identity.policy import Permission, can, scopes_granting
from domain.principal import Principal, PrincipalKind

AUTHENTICATED: Final = "authenticated"
Policy = Permission | Literal["authenticated"]
P = Permission

ROOT_FIELD_POLICIES: dict[str, Policy] = {
    # catalog, organisation, stock
    "Query.node": AUTHENTICATED,
    "Query.part": P.CATALOG_READ,
    "Query.partByBarcode": P.CATALOG_READ,
    "Query.parts": P.CATALOG_READ,
    "Query.location": P.LOCATION_READ,
    "Query.locations": P.LOCATION_READ,
    "Mutation.moveStock": P.STOCK_MOVE,
    # counting (the domain refines: blind counting, approval only inside the approver's subtree)
    "Query.countPlans": P.COUNT_READ,
    "Query.countPlan": P.COUNT_READ,
    "Query.countTasks": P.COUNT_READ,
    "Query.countReport": P.COUNT_READ,
    "Query.inventoryAccuracy": P.COUNT_READ,
    "Mutation.createCountPlan": P.COUNT_PLAN,
    "Mutation.closeCountPlan": P.COUNT_PLAN,
    "Mutation.startCountTask": P.COUNT_PERFORM,
    "Mutation.recordCount": P.COUNT_PERFORM,
    "Mutation.reviewVariance": P.COUNT_APPROVE,
    "Mutation.approveAdjustments": P.COUNT_APPROVE,
    # planning
    "Query.demandForecast": P.PLANNING_READ,
    "Query.forecastAccuracy": P.PLANNING_READ,
    "Query.planningParameters": P.PLANNING_READ,
    "Query.replenishmentSuggestions": P.PLANNING_READ,
    "Mutation.approveSuggestions": P.PURCHASING_WRITE,
    "Mutation.convertSuggestions": P.PURCHASING_WRITE,
    "Mutation.rejectSuggestions": P.PURCHASING_WRITE,
    "Mutation.pinPlanningParameters": P.PURCHASING_WRITE,
    # purchasing (the domain refines: approval ladders, a supplier sees only its own documents)
    "Query.purchaseOrders": P.PURCHASING_READ,
    "Query.purchaseOrder": P.PURCHASING_READ,
    "Query.shipNotices": P.PURCHASING_READ,
    "Query.receivingSession": P.PURCHASING_READ,
    "Query.matchExceptions": P.PURCHASING_READ,
    "Query.supplierPerformance": P.PURCHASING_READ,
    "Mutation.createPurchaseOrder": P.PURCHASING_WRITE,
    "Mutation.submitPurchaseOrder": P.PURCHASING_WRITE,
    "Mutation.approvePurchaseOrder": P.PURCHASING_WRITE,
    "Mutation.sendPurchaseOrder": P.PURCHASING_WRITE,
    "Mutation.cancelPurchaseOrder": P.PURCHASING_WRITE,
    "Mutation.closePurchaseOrder": P.PURCHASING_WRITE,
    "Mutation.createShipNotice": P.ASN_SUBMIT,
    "Mutation.startReceiving": P.GOODS_RECEIVE,
    "Mutation.scanReceipt": P.GOODS_RECEIVE,
    "Mutation.closeReceivingSession": P.GOODS_RECEIVE,
    "Mutation.resolveReceivingHold": P.GOODS_RECEIVE,
    "Mutation.inspectReceipt": P.GOODS_RECEIVE,
    "Mutation.suggestPutaway": P.GOODS_RECEIVE,
    "Mutation.confirmPutaway": P.GOODS_RECEIVE,
    "Mutation.resolveMatchException": P.MATCH_RESOLVE,
    # workshop and transfers (the domain refines: store scope, approval routes, four eyes)
    "Query.workOrder": P.STOCK_READ,
    "Query.workOrders": P.STOCK_READ,
    "Query.substitutes": P.STOCK_READ,
    "Mutation.createWorkOrder": P.WORKORDER_ISSUE,
    "Mutation.reserveWorkOrderParts": P.WORKORDER_ISSUE,
    "Mutation.confirmPick": P.WORKORDER_ISSUE,
    "Mutation.issueWorkOrderParts": P.WORKORDER_ISSUE,
    "Mutation.returnWorkOrderParts": P.WORKORDER_ISSUE,
    "Mutation.closeWorkOrder": P.WORKORDER_ISSUE,
    "Mutation.cancelWorkOrder": P.WORKORDER_ISSUE,
    "Query.transferOrder": P.STOCK_READ,
    "Query.transferOrders": P.STOCK_READ,
    "Query.recommendTransfer": P.STOCK_READ,
    "Query.rebalancePlans": P.STOCK_READ,
    "Mutation.requestTransfer": P.TRANSFER_REQUEST,
    "Mutation.cancelTransfer": P.TRANSFER_REQUEST,
    "Mutation.approveTransfer": P.TRANSFER_APPROVE,
    "Mutation.rejectTransfer": P.TRANSFER_APPROVE,
    "Mutation.shipTransfer": P.STOCK_MOVE,
    "Mutation.receiveTransfer": P.STOCK_MOVE,
    "Mutation.rebalancePlan": P.TRANSFER_CROSS_STORE,
    "Mutation.createTransfersFromPlan": P.TRANSFER_CROSS_STORE,
    "Mutation.discardRebalancePlan": P.TRANSFER_CROSS_STORE,
    # identity and audit
    "Query.me": AUTHENTICATED,
    "Query.users": P.USERS_MANAGE,
    "Query.clients": P.CLIENTS_MANAGE,
    "Query.auditLog": P.AUDIT_READ,
    "Mutation.createUser": P.USERS_MANAGE,
    "Mutation.assignRole": P.USERS_MANAGE,
    "Mutation.removeRole": P.USERS_MANAGE,
    "Mutation.setUserActive": P.USERS_MANAGE,
    "Mutation.setUserEmail": P.USERS_MANAGE,
    "Mutation.createClient": P.CLIENTS_MANAGE,
    "Mutation.revokeClient": P.CLIENTS_MANAGE,
    # master data and integrations (the domain refines exports by kind and location scope)
    "Query.importTemplate": P.CATALOG_READ,
    "Query.exportData": P.CATALOG_READ,
    "Query.duplicatePartCandidates": P.MASTERDATA_MANAGE,
    "Query.zombieParts": P.MASTERDATA_MANAGE,
    "Query.partCompleteness": P.MASTERDATA_MANAGE,
    "Query.erpDeadLetters": P.SETTINGS_MANAGE,
    "Mutation.importData": P.MASTERDATA_MANAGE,
    "Mutation.mergeParts": P.MASTERDATA_MANAGE,
    "Mutation.retireParts": P.MASTERDATA_MANAGE,
    "Mutation.retryErpDeliveries": P.SETTINGS_MANAGE,
    "Mutation.receiveDmsWorkOrder": P.WORKORDER_ISSUE,
    # analytics (the domain refines: sites wholly in scope; classifying parts is head office's)
    "Query.dashboard": P.ANALYTICS_READ,
    "Query.report": P.ANALYTICS_READ,
    "Mutation.exportReport": P.ANALYTICS_READ,
    "Mutation.classifyParts": P.ANALYTICS_READ,
    # alerts (the domain refines: alerts of sites in scope, a supplier only its late deliveries)
    "Query.alerts": P.STOCK_READ,
    "Query.alertRules": AUTHENTICATED,
    "Query.myNotifications": AUTHENTICATED,
    "Query.deadLetters": P.SETTINGS_MANAGE,
    "Query.notificationTargets": P.SETTINGS_MANAGE,
    "Mutation.acknowledgeAlerts": P.STOCK_READ,
    "Mutation.updateAlertRule": P.SETTINGS_MANAGE,
    "Mutation.markNotificationsRead": AUTHENTICATED,
    "Mutation.retryDeadLetters": P.SETTINGS_MANAGE,
    "Mutation.saveNotificationTarget": P.SETTINGS_MANAGE,
    "Mutation.evaluateAlerts": P.SETTINGS_MANAGE,
    # VMI (the domain refines: a supplier sees only its own agreements, proposals, notices and
    # scorecard; agreements and decisions are a buyer's of the site; proposals the supplier's)
    "Query.vmiAgreements": P.VMI,
    "Query.vmiSharedStock": P.VMI,
    "Query.vmiProposals": P.VMI,
    "Query.vmiProposal": P.VMI,
    "Query.deliveryTimeline": P.PURCHASING_READ,
    "Query.supplierScorecard": P.PURCHASING_READ,
    "Mutation.createVmiAgreement": P.PURCHASING_WRITE,
    "Mutation.updateVmiAgreement": P.PURCHASING_WRITE,
    "Mutation.draftVmiProposal": P.VMI,
    "Mutation.updateVmiProposal": P.VMI,
    "Mutation.submitVmiProposal": P.VMI,
    "Mutation.cancelVmiProposal": P.VMI,
    "Mutation.decideVmiProposal": P.PURCHASING_WRITE,
    "Mutation.startConsignmentReceiving": P.GOODS_RECEIVE,
    # counter sales and the store daily report (the domain refines: a role at that store, discount
    # limits by role, return window overrides for managers, trade accounts of your stores)
    "Query.counterSale": P.SALES_READ,
    "Query.counterSales": P.SALES_READ,
    "Query.tradeAccount": P.SALES_READ,
    "Query.tradeAccounts": P.SALES_READ,
    "Query.saleLotSuggestion": P.SALES_SELL,
    "Query.dailySales": P.SALES_READ,
    "Query.opsDailyReport": P.STORE_REPORT_READ,
    "Mutation.createCounterSale": P.SALES_SELL,
    "Mutation.returnCounterSale": P.SALES_SELL,
    "Mutation.createTradeAccount": P.TRADE_ACCOUNTS_MANAGE,
    "Mutation.updateTradeAccount": P.TRADE_ACCOUNTS_MANAGE,
    "Mutation.recordTradeAccountPayment": P.TRADE_ACCOUNTS_MANAGE,
    # reconciliation statements (the domain refines: a supplier sees only its own, never drafts, and
    # only it confirms or disputes; finance manages; commenting needs one of the two)
    "Query.statements": P.STATEMENTS_READ,
    "Query.statement": P.STATEMENTS_READ,
    "Mutation.generateStatement": P.STATEMENTS_MANAGE,
    "Mutation.issueStatement": P.STATEMENTS_MANAGE,
    "Mutation.reissueStatement": P.STATEMENTS_MANAGE,
    "Mutation.settleStatement": P.STATEMENTS_MANAGE,
    "Mutation.addStatementCredit": P.STATEMENTS_MANAGE,
    "Mutation.confirmStatement": P.STATEMENTS_RESPOND,
    "Mutation.disputeStatement": P.STATEMENTS_RESPOND,
    "Mutation.commentStatement": P.STATEMENTS_READ,
}
# Subscriptions (over WebSocket) are registered apart: the root-field matrix test covers queries
# and mutations; tests/api/test_dashboard_api.py covers these.
SUBSCRIPTION_POLICIES: dict[str, Policy] = {
    "Subscription.alertEvents": P.STOCK_READ,
    "Subscription.notificationReceived": AUTHENTICATED,
}
_INTROSPECTION = frozenset({"__schema", "__type"})


def policy_for(type_name: str, field_name: str) -> Policy | None:
    key = f"{type_name}.{field_name}"
    return ROOT_FIELD_POLICIES.get(key) or SUBSCRIPTION_POLICIES.get(key)


def _root_fields(document: DocumentNode, selection_set: SelectionSetNode) -> Iterator[str]:
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    seen: set[str] = set()

    def walk(selections: SelectionSetNode) -> Iterator[str]:
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                yield selection.name.value
            elif isinstance(selection, InlineFragmentNode):
                yield from walk(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in fragments and name not in seen:
                    seen.add(name)
                    yield from walk(fragments[name].selection_set)

    yield from walk(selection_set)


def refusal(principal: Principal, type_name: str, field_name: str) -> tuple[str, Permission | None] | None:
    """Why the principal may not use this root field, or None when it may."""
    if field_name == "__typename":
        return None
    if field_name in _INTROSPECTION:
        if principal.kind in (PrincipalKind.USER, PrincipalKind.SYSTEM):
            return None
        return "introspection is available to internal users only; see schema.graphql", None
    policy = policy_for(type_name, field_name)
    if policy is None:
        return f"`{field_name}` has no access policy", None
    if policy == AUTHENTICATED or can(principal, policy):
        return None
    return f"you are not allowed to use `{field_name}` ({policy.value})", policy


class AuthorizationExtension(SchemaExtension):
    """Checks the root fields of the operation before anything executes. A refusal answers the
    whole operation with 403 and a FORBIDDEN error (plus an RFC 6750 `insufficient_scope`
    challenge for token holders), and touches no data."""

    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        context: Context = execution.context
        document = execution.graphql_document
        operation = get_operation_ast(document, execution.operation_name) if document else None
        if document is None or operation is None:
            yield
            return
        type_name = {
            OperationType.QUERY: "Query",
            OperationType.MUTATION: "Mutation",
            OperationType.SUBSCRIPTION: "Subscription",
        }.get(operation.operation)
        fields = tuple(dict.fromkeys(_root_fields(document, operation.selection_set)))
        context.operation = OperationInfo(
            kind=operation.operation.value, root_fields=fields, variables=dict(execution.variables or {})
        )
        problem: tuple[str, Permission | None] | None = ("subscriptions are not offered", None)
        if type_name is not None:
            problem = next(
                (p for p in (refusal(context.principal, type_name, f) for f in fields) if p is not None), None
            )
        if problem is not None:
            self._refuse(context, *problem)
        yield

    def _refuse(self, context: Context, message: str, permission: Permission | None) -> None:
        error = GraphQLError(message, extensions={"code": "FORBIDDEN"})
        self.execution_context.result = ExecutionResult(data=None, errors=[error])
        response: Any = context.response
        if response is None:
            return
        response.status_code = 403
        if context.auth_method == "bearer":
            challenge = f'Bearer realm="{REALM}", error="insufficient_scope"'
            if permission is not None and context.principal.kind is PrincipalKind.CLIENT:
                challenge += f', scope="{" ".join(scopes_granting(permission))}"'
            response.headers["WWW-Authenticate"] = challenge
