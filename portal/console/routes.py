"""Routes and navigation of the store console (paths relative to /console). Every page is a
`@view` (through `common.site_view` for pages working at the user's current site)."""

from __future__ import annotations

from starlette.routing import Route

from domain.identity.policy import Permission
from portal.console import counting, home, labels, lookup, putaway, receiving, report, sales, transfers, workshop
from portal.web import NavItem

GET = ["GET"]
POST = ["POST"]

ROUTES = [
    Route("/", home.home, methods=GET),
    Route("/sites", home.choose_site, methods=["GET", "POST"]),
    # stock lookup
    Route("/lookup", lookup.lookup, methods=["GET", "POST"]),
    Route("/parts/{code}", lookup.part, methods=GET),
    # receiving, QC, putaway
    Route("/receive", receiving.receive_home, methods=GET),
    Route("/receive/start", receiving.start, methods=POST),
    Route("/receive/sessions/{id:int}", receiving.session_page, methods=GET),
    Route("/receive/sessions/{id:int}/scan", receiving.scan, methods=POST),
    Route("/receive/sessions/{id:int}/close", receiving.close, methods=POST),
    Route("/putaway", putaway.putaway_home, methods=GET),
    Route("/putaway/{id:int}", putaway.receipt_page, methods=GET),
    Route("/putaway/{id:int}/inspect", putaway.inspect, methods=POST),
    Route("/putaway/{id:int}/confirm", putaway.confirm, methods=POST),
    # work orders
    Route("/workorders", workshop.workorders_home, methods=GET),
    Route("/workorders/{id:int}", workshop.workorder_page, methods=GET),
    Route("/workorders/{id:int}/reserve", workshop.reserve, methods=POST),
    Route("/workorders/{id:int}/pick", workshop.pick, methods=POST),
    Route("/workorders/{id:int}/issue", workshop.issue, methods=POST),
    Route("/workorders/{id:int}/return", workshop.give_back, methods=POST),
    # transfers
    Route("/transfers", transfers.transfers_home, methods=GET),
    Route("/transfers/request", lookup.request_transfer, methods=POST),
    Route("/transfers/{id:int}", transfers.transfer_page, methods=GET),
    Route("/transfers/{id:int}/ship/scan", transfers.ship_scan, methods=POST),
    Route("/transfers/{id:int}/ship/clear", transfers.clear_draft, methods=POST),
    Route("/transfers/{id:int}/ship", transfers.ship, methods=POST),
    Route("/transfers/{id:int}/receive", transfers.receive, methods=POST),
    # counting
    Route("/count", counting.count_home, methods=GET),
    Route("/count/plans/{id:int}", counting.plan_page, methods=GET),
    Route("/count/plans/{id:int}/scan", counting.record, methods=POST),
    # counter sales
    Route("/sell", sales.sell, methods=GET),
    Route("/sell/scan", sales.cart_scan, methods=POST),
    Route("/sell/remove", sales.cart_remove, methods=POST),
    Route("/sell/checkout", sales.checkout, methods=POST),
    Route("/sales", sales.sales_today, methods=GET),
    Route("/sales/{number}", sales.receipt, methods=GET),
    Route("/sales/{number}/return", sales.take_return, methods=POST),
    # labels and bins
    Route("/labels", labels.labels_home, methods=GET),
    Route("/labels/parts", labels.part_labels, methods=GET),
    Route("/labels/part/{code}", labels.part_labels, methods=GET),
    Route("/labels/bins", labels.bin_labels, methods=GET),
    Route("/labels/bin/{code}", labels.bin_labels, methods=GET),
    Route("/bins/{code}", labels.bin_page, methods=GET),
    # the daily operations report
    Route("/report", report.report, methods=GET),
]

NAV = [
    NavItem("Home", "/"),
    NavItem("Stock lookup", "/lookup", Permission.STOCK_READ),
    NavItem("Receiving", "/receive", Permission.GOODS_RECEIVE),
    NavItem("QC and putaway", "/putaway", Permission.GOODS_RECEIVE),
    NavItem("Work orders", "/workorders", Permission.WORKORDER_ISSUE),
    NavItem("Transfers", "/transfers", Permission.TRANSFER_REQUEST),
    NavItem("Counting", "/count", Permission.COUNT_PERFORM),
    NavItem("Counter sale", "/sell", Permission.SALES_SELL),
    NavItem("Sales", "/sales", Permission.SALES_READ),
    NavItem("Labels", "/labels", Permission.CATALOG_READ),
    NavItem("Daily report", "/report", Permission.STORE_REPORT_READ),
]
