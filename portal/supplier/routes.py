"""Routes and navigation of the supplier portal (paths relative to /portal). Every endpoint is a
`@view`: sign-in, CSRF and the supplier principal are the foundation's; every object id goes
through a domain service with that principal, so another supplier's ids answer 404."""

from __future__ import annotations

from starlette.routing import Route

from domain.identity.policy import Permission
from portal.supplier import dashboard, deliveries, notices, orders, proposals, scorecard, statements
from portal.web import NavItem

GET, POST, BOTH = ["GET"], ["POST"], ["GET", "POST"]

ROUTES = [
    Route("/", dashboard.home, methods=GET),
    Route("/proposals", proposals.index, methods=GET),
    Route("/proposals/new", proposals.create, methods=POST),
    Route("/proposals/{id:int}", proposals.detail, methods=BOTH),
    Route("/proposals/{id:int}/cancel", proposals.cancel, methods=POST),
    Route("/orders", orders.index, methods=GET),
    Route("/orders/{id:int}", orders.detail, methods=GET),
    Route("/notices", notices.index, methods=GET),
    Route("/notices/new", notices.create, methods=BOTH),
    Route("/notices/{id:int}", notices.detail, methods=GET),
    Route("/notices/{id:int}/labels.pdf", notices.label_pdf, methods=GET),
    Route("/notices/{id:int}/labels.zpl", notices.label_zpl, methods=GET),
    Route("/deliveries", deliveries.index, methods=GET),
    Route("/deliveries/{id:int}", deliveries.detail, methods=GET),
    Route("/statements", statements.index, methods=GET),
    Route("/statements/{id:int}", statements.detail, methods=GET),
    Route("/statements/{id:int}/confirm", statements.confirm, methods=POST),
    Route("/statements/{id:int}/dispute", statements.dispute, methods=POST),
    Route("/statements/{id:int}/comment", statements.comment, methods=POST),
    Route("/statements/{id:int}/download/{fmt}", statements.download, methods=GET),
    Route("/scorecard", scorecard.page_, methods=GET),
]
NAV = [
    NavItem("Dashboard", "/"),
    NavItem("Proposals", "/proposals", Permission.VMI),
    NavItem("Purchase orders", "/orders", Permission.PURCHASING_READ),
    NavItem("Ship notices", "/notices", Permission.ASN_SUBMIT),
    NavItem("Deliveries", "/deliveries", Permission.ASN_SUBMIT),
    NavItem("Statements", "/statements", Permission.STATEMENTS_READ),
    NavItem("Scorecard", "/scorecard", Permission.PURCHASING_READ),
]
