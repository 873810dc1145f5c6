"""Counter sales over GraphQL as the store's people use them: sell with a retry, read the sale and
its lines, return part of it, keep a trade account, daily sales and the store report; and a clerk
of one store refused at another."""

from __future__ import annotations

from datetime import timedelta

from domain.analytics.settings import business_today
from domain.principal import Role
from tests.domain.sales.helpers import add_user, ledger_clean

SELL = """
mutation Sell($input: CreateCounterSaleInput!) {
  createCounterSale(input: $input) {
    sale { id number total tax discountTotal cost margin paymentMethod customerKind store { code }
           tradeAccount { code }
           lines { lineNo quantity unitPrice discountPct total returnable part { code }
                   lots { lotNo quantity unitCost location { code } } } }
    moves { quantity unitCost }
    replayed
    errors { code message field }
  }
}
"""

RETURN = """
mutation Return($input: ReturnCounterSaleInput!) {
  returnCounterSale(input: $input) {
    sale { number lines { lineNo returned returnable refunded } returns { number total } }
    saleReturn { number total tax refundMethod outsideWindow lines { lineNo quantity refund part { code } } }
    moves { quantity unitCost }
    replayed
    errors { code message field }
  }
}
"""


def _sale(store: str = "S-BJ01", key: str = "till-0001", **extra: object) -> dict:
    return {
        "input": {
            "storeCode": store,
            "paymentMethod": "CASH",
            "idempotencyKey": key,
            "lines": [{"partCode": "FLT-0001-C", "quantity": "3"}, {"partCode": "BCL-0001-B", "quantity": "1.5"}],
            **extra,
        }
    }


async def test_a_clerk_sells_retries_and_takes_a_return(gql_as, sessions) -> None:
    staff = await gql_as("staff.bj01")
    sold = (await staff(SELL, _sale(discountPct="5")))["createCounterSale"]
    assert sold["errors"] == [] and not sold["replayed"]
    sale = sold["sale"]
    assert sale["number"] == f"S-BJ01-{business_today():%Y%m%d}-0001" and sale["store"]["code"] == "S-BJ01"
    assert (sale["total"], sale["tax"], sale["discountTotal"], sale["cost"]) == ("289.27", "33.28", "15.23", "152.25")
    assert sale["margin"] == "103.74" and sale["paymentMethod"] == "CASH" and sale["customerKind"] == "WALK_IN"
    assert [(x["part"]["code"], x["quantity"], x["unitPrice"], x["discountPct"]) for x in sale["lines"]] == [
        ("FLT-0001-C", "3", "56", "5"),
        ("BCL-0001-B", "1.5", "91", "5"),
    ]
    assert sale["lines"][1]["lots"] == [
        {"lotNo": "C2401", "quantity": "1.5", "unitCost": "45.5", "location": {"code": "S-BJ01"}}
    ]

    again = (await staff(SELL, _sale(discountPct="5")))["createCounterSale"]
    assert again["replayed"] and again["sale"]["number"] == sale["number"] and again["moves"] == sold["moves"]

    too_much = (await staff(SELL, _sale(key="till-0002", discountPct="6")))["createCounterSale"]
    assert too_much["sale"] is None
    assert {e["code"] for e in too_much["errors"]} == {"DISCOUNT_LIMIT_EXCEEDED"}
    assert too_much["errors"][0]["field"] == ["lines", "0", "discountPct"]
    short = (
        await staff(
            SELL, {"input": {**_sale(key="till-0003")["input"], "lines": [{"partCode": "BRK-0001-A", "quantity": "1"}]}}
        )
    )["createCounterSale"]
    assert [e["code"] for e in short["errors"]] == ["INSUFFICIENT_STOCK"]

    returned = (
        await staff(
            RETURN,
            {
                "input": {
                    "saleNumber": sale["number"],
                    "lines": [{"lineNo": 1, "quantity": "1"}],
                    "reason": "wrong size",
                    "idempotencyKey": "ret-0001",
                }
            },
        )
    )["returnCounterSale"]
    assert returned["errors"] == []
    back = returned["saleReturn"]
    assert (back["number"], back["total"], back["refundMethod"], back["outsideWindow"]) == (
        f"{sale['number']}-R1",
        "53.20",
        "CASH",
        False,
    )
    assert back["lines"] == [{"lineNo": 1, "quantity": "1", "refund": "53.20", "part": {"code": "FLT-0001-C"}}]
    assert returned["moves"] == [{"quantity": "1", "unitCost": "28"}]
    assert returned["sale"]["lines"][0] == {"lineNo": 1, "returned": "1", "returnable": "2", "refunded": "53.20"}

    read = await staff(
        "query($n: String!) { counterSale(number: $n) { number returns { number total } } "
        'counterSales(storeCode: "S-BJ01", first: 5) { edges { node { number } } } }',
        {"n": sale["number"]},
    )
    assert read["counterSale"]["returns"] == [{"number": f"{sale['number']}-R1", "total": "53.20"}]
    assert [e["node"]["number"] for e in read["counterSales"]["edges"]] == [sale["number"]]
    node = await staff("query($id: ID!) { node(id: $id) { ... on CounterSale { number } } }", {"id": sale["id"]})
    assert node["node"] == {"number": sale["number"]}
    await ledger_clean(sessions)


async def test_a_clerk_of_another_store_is_refused(gql_as, sessions) -> None:
    staff = await gql_as("staff.bj01")
    sale = (await staff(SELL, _sale()))["createCounterSale"]["sale"]
    await add_user(sessions, "staff.bj02", Role.STORE_STAFF, "S-BJ02")
    other = await gql_as("staff.bj02")
    refused = (await other(SELL, _sale(key="other-1")))["createCounterSale"]
    assert refused["sale"] is None and [e["code"] for e in refused["errors"]] == ["FORBIDDEN"]
    back = (
        await other(
            RETURN,
            {
                "input": {
                    "saleNumber": sale["number"],
                    "lines": [{"lineNo": 1, "quantity": "1"}],
                    "reason": "x",
                    "idempotencyKey": "other-ret-1",
                }
            },
        )
    )["returnCounterSale"]
    assert [e["code"] for e in back["errors"]] == ["NOT_FOUND"]
    seen = await other(
        "query($n: String!) { counterSale(number: $n) { number } counterSales { edges { node { number } } } }",
        {"n": sale["number"]},
    )
    assert seen == {"counterSale": None, "counterSales": {"edges": []}}
    # Suppliers never reach sales at all.
    supplier = await gql_as("supplier.sup01")
    body = await supplier("{ counterSales { edges { node { number } } } }", expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_trade_accounts_daily_sales_and_the_store_report(gql_as) -> None:
    manager = await gql_as("manager.bj01")
    created = await manager(
        """mutation { createTradeAccount(input: {code: "GARAGE-8", name: "八号修理厂", discountPct: "10",
             creditLimit: "2000", homeStoreCode: "S-BJ01", phone: "010-8888"}) {
             tradeAccount { code discountPct creditLimit balance homeStore { code } } errors { code } } }"""
    )
    assert created["createTradeAccount"]["tradeAccount"] == {
        "code": "GARAGE-8",
        "discountPct": "10",
        "creditLimit": "2000.00",
        "balance": "0.00",
        "homeStore": {"code": "S-BJ01"},
    }
    staff = await gql_as("staff.bj01")
    found = await staff('{ tradeAccounts(storeCode: "S-BJ01", search: "八号") { edges { node { code name } } } }')
    assert found["tradeAccounts"]["edges"] == [{"node": {"code": "GARAGE-8", "name": "八号修理厂"}}]
    refused = await staff(
        'mutation { updateTradeAccount(input: {code: "GARAGE-8", discountPct: "50"}) { errors { code } } }',
        expect_errors=True,
    )
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"  # staff do not keep accounts

    sold = (
        await staff(
            SELL, _sale(key="acct-1", tradeAccountCode="GARAGE-8", paymentMethod="ACCOUNT", paymentReference="PO 77")
        )
    )["createCounterSale"]
    assert sold["errors"] == [] and sold["sale"]["tradeAccount"] == {"code": "GARAGE-8"}
    assert sold["sale"]["total"] == "274.05" and sold["sale"]["customerKind"] == "TRADE"  # the agreed 10%
    paid = await manager(
        'mutation { recordTradeAccountPayment(input: {code: "GARAGE-8", amount: "74.05", idempotencyKey: "p-1"}) '
        "{ tradeAccount { balance } replayed errors { code } } }"
    )
    assert paid["recordTradeAccountPayment"] == {"tradeAccount": {"balance": "200.00"}, "replayed": False, "errors": []}
    updated = await manager(
        'mutation { updateTradeAccount(input: {code: "GARAGE-8", creditLimit: null, phone: "010-9999"}) '
        "{ tradeAccount { creditLimit phone active } errors { code } } }"
    )
    assert updated["updateTradeAccount"]["tradeAccount"] == {"creditLimit": None, "phone": "010-9999", "active": True}

    today = business_today()
    daily = await staff(
        'query($f: Date!, $t: Date!) { dailySales(from: $f, to: $t, storeCode: "S-BJ01") '
        "{ storeCode day sales returns revenue revenueNet cost margin store { code } } }",
        {"f": (today - timedelta(days=1)).isoformat(), "t": today.isoformat()},
    )
    assert [(d["day"], d["sales"], d["revenue"]) for d in daily["dailySales"]] == [
        ((today - timedelta(days=1)).isoformat(), 0, "0.00"),
        (today.isoformat(), 1, "274.05"),
    ]

    report = await manager(
        'query($d: Date!) { opsDailyReport(storeCode: "S-BJ01", day: $d) { storeCode day '
        "movements { kind titleZh lines quantity value } sales { sales revenue } counting { counted open } "
        "alerts { total } } }",
        {"d": today.isoformat()},
    )
    ops = report["opsDailyReport"]
    sales_out = next(m for m in ops["movements"] if m["kind"] == "customer_sales")
    assert sales_out == {
        "kind": "customer_sales",
        "titleZh": "柜台销售出库",
        "lines": 2,
        "quantity": "4.5",
        "value": "152.25",
    }
    assert ops["sales"] == {"sales": 1, "revenue": "274.05"}
    refused = await staff(
        'query($d: Date!) { opsDailyReport(storeCode: "S-BJ01", day: $d) { storeCode } }',
        {"d": today.isoformat()},
        expect_errors=True,
    )
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
