"""The schema, assembled from the per-area modules, with its protective limits."""

from __future__ import annotations

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)

from api.graphql.alerts.mutations import AlertMutations
from api.graphql.alerts.queries import AlertQueries
from api.graphql.alerts.subscriptions import AlertSubscriptions
from api.graphql.analytics.mutations import AnalyticsMutations
from api.graphql.analytics.queries import AnalyticsQueries
from api.graphql.authz import AuthorizationExtension
from api.graphql.catalog.types import Part, Supplier
from api.graphql.counting.mutations import CountingMutations
from api.graphql.counting.queries import CountingQueries
from api.graphql.errors import should_mask
from api.graphql.execution import LeanExecutionContext
from api.graphql.identity.mutations import IdentityMutations
from api.graphql.identity.queries import IdentityQueries
from api.graphql.limits import cost_limit_rule
from api.graphql.masterdata.mutations import MasterdataMutations
from api.graphql.masterdata.queries import MasterdataQueries
from api.graphql.org.types import Location
from api.graphql.planning.mutations import PlanningMutations
from api.graphql.planning.queries import PlanningQueries
from api.graphql.purchasing.mutations import PurchasingMutations
from api.graphql.purchasing.queries import PurchasingQueries
from api.graphql.queries import CoreQueries
from api.graphql.sales.mutations import SalesMutations
from api.graphql.sales.queries import SalesQueries
from api.graphql.statements.mutations import StatementMutations
from api.graphql.statements.queries import StatementQueries
from api.graphql.stock.mutations import StockMutations
from api.graphql.stock.types import StockMove
from api.graphql.text_guard import UnstorableTextGuard
from api.graphql.transfers.mutations import TransferMutations
from api.graphql.transfers.queries import TransferQueries
from api.graphql.vmi.mutations import VmiMutations
from api.graphql.vmi.queries import VmiQueries
from api.graphql.workshop.mutations import WorkshopMutations
from api.graphql.workshop.queries import WorkshopQueries
from api.unavailable import DatabaseUnavailableExtension
from domain.settings import Settings, get_settings


# Each area contributes a queries class and a mutations class; the root types inherit them all.
@strawberry.type
class Query(
    CoreQueries,
    PlanningQueries,
    CountingQueries,
    PurchasingQueries,
    IdentityQueries,
    WorkshopQueries,
    TransferQueries,
    MasterdataQueries,
    AnalyticsQueries,
    AlertQueries,
    VmiQueries,
    SalesQueries,
    StatementQueries,
):
    pass


@strawberry.type
class Mutation(
    StockMutations,
    PlanningMutations,
    CountingMutations,
    PurchasingMutations,
    IdentityMutations,
    WorkshopMutations,
    TransferMutations,
    MasterdataMutations,
    AnalyticsMutations,
    AlertMutations,
    VmiMutations,
    SalesMutations,
    StatementMutations,
):
    pass


@strawberry.type
class Subscription(AlertSubscriptions):
    pass


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    settings = settings or get_settings()
    # Rule classes are built once: the validation cache is keyed by them, so a limiter built per
    # request (a new class each time) would silently disable the cache.
    static_rules = [
        *QueryDepthLimiter(max_depth=settings.graphql_max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases).validation_rules,
        cost_limit_rule(settings.graphql_max_cost),
    ]

    def parser_cache() -> ParserCache:
        return ParserCache(maxsize=1000)

    def validation_cache() -> ValidationCache:
        return ValidationCache(maxsize=1000)

    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Part, Location, Supplier, StockMove],
        execution_context_class=LeanExecutionContext,
        extensions=[
            lambda: MaxTokensLimiter(max_token_count=settings.graphql_max_tokens),
            parser_cache,
            lambda: AddValidationRules(static_rules),
            validation_cache,
            AuthorizationExtension,
            UnstorableTextGuard,
            DatabaseUnavailableExtension,
            lambda: MaskErrors(should_mask_error=should_mask),
        ],
    )


def export_schema() -> str:
    return build_schema().as_str() + "\n"
