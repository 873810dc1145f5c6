"""What each import kind looks like: its columns, its key, and the checks between cells of a row.

Go-live loads the kinds in `LOAD_ORDER` (organisation → users → suppliers → parts → opening stock →
history), because each refers to the ones before. Pure: the importer, the templates, the exporter
and the docs read these specs."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from domain.masterdata.columns import Column, ErrorKind
from domain.masterdata.columns import ColumnType as T
from domain.principal import Role


class ImportKind(StrEnum):
    LOCATIONS = "locations"
    USERS = "users"
    SUPPLIERS = "suppliers"
    PARTS = "parts"
    SUPPLIER_PARTS = "supplier_parts"
    STOCK_POLICIES = "stock_policies"
    SYNONYMS = "synonyms"
    DMS_PART_MAP = "dms_part_map"
    PRICES = "prices"
    OPENING_STOCK = "opening_stock"
    DEMAND_HISTORY = "demand_history"

    @classmethod
    def parse(cls, value: str) -> ImportKind:
        return cls(value.strip().lower().replace("-", "_"))


LOAD_ORDER = tuple(ImportKind)

# Count units take whole numbers; measured units may have decimals (3.5 L, not 3.5 bolts).
COUNT_UNITS = ("PCS", "SET", "PAIR", "BOX", "ROLL")
MEASURE_UNITS = ("L", "ML", "KG", "G", "M")
UNITS = COUNT_UNITS + MEASURE_UNITS
LOCATION_KINDS = ("company", "region", "store", "warehouse", "zone", "bin", "virtual")
VIRTUAL_KINDS = ("supplier", "workshop", "adjustment", "transit", "scrap", "customer")
USER_ROLES = tuple(r.value for r in Role if r is not Role.SYSTEM)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ZERO = Decimal(0)

RowIssue = tuple[str, ErrorKind, str]  # column, kind, message
RowCheck = Callable[[dict[str, Any]], list[RowIssue]]


@dataclass(frozen=True)
class KindSpec:
    kind: ImportKind
    title: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # natural key: duplicates in a file are errors
    check: RowCheck = field(default=lambda values: [])
    description: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def ean13_ok(code: str) -> bool:
    total = sum(map(int, code[0:12:2])) + 3 * sum(map(int, code[1:12:2]))
    return (10 - total % 10) % 10 == int(code[12])


def _money(name: str, zh: str, required: bool = False, help: str = "") -> Column:
    return Column(name, T.DECIMAL, zh, required=required, scale=4, minimum=ZERO, maximum=Decimal("1e12"), help=help)


def _code(name: str, zh: str, required: bool = False, help: str = "", pattern: str | None = None) -> Column:
    return Column(name, T.CODE, zh, required=required, max_len=40, help=help, pattern=pattern)


def _check_locations(v: dict[str, Any]) -> list[RowIssue]:
    issues: list[RowIssue] = []
    if (v["kind"] == "virtual") != (v["virtual_kind"] is not None):
        issues.append(("virtual_kind", ErrorKind.RULE, "virtual_kind is given for virtual locations and only for them"))
    if v["kind"] == "company" and v["parent_code"]:
        issues.append(("parent_code", ErrorKind.RULE, "the company is the root and has no parent"))
    if v["kind"] not in ("company", "virtual") and not v["parent_code"]:
        issues.append(("parent_code", ErrorKind.REQUIRED, f"a {v['kind']} needs a parent location"))
    if v["parent_code"] and v["parent_code"] == v["code"]:
        issues.append(("parent_code", ErrorKind.RULE, "a location cannot be its own parent"))
    if v["bin_capacity"] is not None and v["kind"] != "bin":
        issues.append(("bin_capacity", ErrorKind.RULE, "only bins have a capacity"))
    return issues


def _check_users(v: dict[str, Any]) -> list[RowIssue]:
    if v["role"] == Role.SUPPLIER.value:
        issues: list[RowIssue] = []
        if not v["supplier_code"]:
            issues.append(("supplier_code", ErrorKind.REQUIRED, "a supplier user needs a supplier"))
        if v["location_code"]:
            issues.append(("location_code", ErrorKind.RULE, "supplier users have no location"))
        return issues
    if v["supplier_code"]:
        return [("supplier_code", ErrorKind.RULE, "only supplier users belong to a supplier")]
    if not v["location_code"]:
        return [("location_code", ErrorKind.REQUIRED, "internal roles are assigned on a location")]
    return []


def _check_suppliers(v: dict[str, Any]) -> list[RowIssue]:
    if v["contact_email"] and not _EMAIL.fullmatch(v["contact_email"]):
        return [("contact_email", ErrorKind.PATTERN, f"{v['contact_email']!r} is not an e-mail address")]
    return []


def _check_parts(v: dict[str, Any]) -> list[RowIssue]:
    issues: list[RowIssue] = []
    if v["uom"] in COUNT_UNITS and v["uom_precision"]:
        issues.append(("uom_precision", ErrorKind.UNIT, f"{v['uom']} is counted in whole units: precision must be 0"))
    barcode = v["barcode"]
    if barcode and barcode.isdigit() and len(barcode) == 13 and not ean13_ok(barcode):
        issues.append(("barcode", ErrorKind.PATTERN, f"{barcode} has a wrong EAN-13 check digit"))
    if v["backup_supplier_code"] and v["backup_supplier_code"] == v["primary_supplier_code"]:
        issues.append(("backup_supplier_code", ErrorKind.RULE, "the backup supplier is the primary supplier"))
    if v["superseded_by"] and v["superseded_by"] == v["code"]:
        issues.append(("superseded_by", ErrorKind.RULE, "a part cannot supersede itself"))
    if v["code"] in v["substitutes"]:
        issues.append(("substitutes", ErrorKind.RULE, "a part is not its own substitute"))
    return issues


def _check_policies(v: dict[str, Any]) -> list[RowIssue]:
    issues: list[RowIssue] = []
    if v["reorder_point"] < v["safety_stock"]:
        issues.append(("reorder_point", ErrorKind.RULE, "the reorder point is below the safety stock"))
    if v["max_stock"] and v["max_stock"] < v["reorder_point"]:
        issues.append(("max_stock", ErrorKind.RULE, "the maximum is below the reorder point"))
    return issues


def _check_prices(v: dict[str, Any]) -> list[RowIssue]:
    if v["purchase_price"] is None and v["sale_price"] is None and v["supplier_unit_price"] is None:
        return [("purchase_price", ErrorKind.REQUIRED, "give at least one price")]
    if v["supplier_unit_price"] is not None and not v["supplier_code"]:
        return [("supplier_code", ErrorKind.REQUIRED, "a supplier price needs the supplier")]
    return []


def _check_opening(v: dict[str, Any]) -> list[RowIssue]:
    if v["received_on"] and v["expiry_date"] and v["expiry_date"] < v["received_on"]:
        return [("expiry_date", ErrorKind.RULE, "expires before it was received")]
    return []


def _check_demand(v: dict[str, Any]) -> list[RowIssue]:
    if v["filled"] is not None and v["filled"] > v["quantity"]:
        return [("filled", ErrorKind.RULE, "more filled than demanded")]
    return []


def _specs(part_code_pattern: str) -> dict[ImportKind, KindSpec]:
    part = _code("part_code", "配件编码", True, "part code", part_code_pattern)
    qty = Column("quantity", T.DECIMAL, "数量", required=True, scale=6, minimum=Decimal("0.000001"))
    specs = [
        KindSpec(
            ImportKind.LOCATIONS,
            "Locations",
            (
                _code("code", "编码", True),
                Column("name_zh", T.TEXT, "中文名称", required=True, max_len=200),
                Column("name_en", T.TEXT, "英文名称", required=True, max_len=200),
                Column("kind", T.CHOICE, "类型", required=True, choices=LOCATION_KINDS),
                _code("parent_code", "上级编码", help="code of the parent location (in this file or already loaded)"),
                Column("virtual_kind", T.CHOICE, "虚拟类型", choices=VIRTUAL_KINDS),
                Column("city", T.TEXT, "城市", max_len=80),
                Column("latitude", T.FLOAT, "纬度", minimum=Decimal(-90), maximum=Decimal(90)),
                Column("longitude", T.FLOAT, "经度", minimum=Decimal(-180), maximum=Decimal(180)),
                Column("address", T.TEXT, "地址", max_len=500),
                Column("bin_capacity", T.INT, "库位容量", minimum=ZERO),
                Column("active", T.BOOL, "启用", default=True),
            ),
            ("code",),
            _check_locations,
            "The organisation tree: company > region > store | warehouse > zone > bin, and virtual locations.",
        ),
        KindSpec(
            ImportKind.USERS,
            "Users",
            (
                Column("username", T.TEXT, "用户名", required=True, max_len=64),
                Column("display_name", T.TEXT, "姓名", max_len=200),
                Column("role", T.CHOICE, "角色", required=True, choices=USER_ROLES),
                _code("location_code", "所属位置", help="where the role applies (internal users)"),
                _code("supplier_code", "供应商编码", help="supplier users only"),
                Column("active", T.BOOL, "启用", default=True),
            ),
            ("username", "role", "location_code"),
            _check_users,
            "Internal and supplier users with one role each row; passwords are never imported.",
        ),
        KindSpec(
            ImportKind.SUPPLIERS,
            "Suppliers",
            (
                _code("code", "供应商编码", True),
                Column("name_zh", T.TEXT, "中文名称", required=True, max_len=200),
                Column("name_en", T.TEXT, "英文名称", required=True, max_len=200),
                Column("city", T.TEXT, "城市", max_len=80),
                Column("lead_time_days_mean", T.DECIMAL, "平均交期(天)", scale=2, minimum=ZERO, maximum=Decimal(365)),
                Column("lead_time_days_std", T.DECIMAL, "交期标准差(天)", scale=2, minimum=ZERO, maximum=Decimal(365)),
                Column("on_time_rate", T.DECIMAL, "准时率", scale=4, minimum=ZERO, maximum=Decimal(1)),
                Column("active", T.BOOL, "启用", default=True),
                Column("contact_name", T.TEXT, "联系人", max_len=120),
                Column("contact_phone", T.TEXT, "电话", max_len=40),
                Column("contact_email", T.TEXT, "邮箱", max_len=200),
                Column("contact_role", T.TEXT, "联系人职务", max_len=80),
            ),
            ("code",),
            _check_suppliers,
            "Suppliers with their main contact.",
        ),
        KindSpec(
            ImportKind.PARTS,
            "Parts",
            (
                _code("code", "配件编码", True, "follows the company coding rule", part_code_pattern),
                Column("barcode", T.TEXT, "条码", max_len=64, help="EAN-13 or the supplier's barcode"),
                Column("name_zh", T.TEXT, "中文名称", required=True, max_len=200),
                Column("name_en", T.TEXT, "英文名称", required=True, max_len=200),
                Column("category", T.CODE, "类别", required=True, max_len=16),
                Column("spec", T.TEXT, "规格", max_len=2000),
                Column("uom", T.CHOICE, "单位", required=True, choices=UNITS),
                Column("uom_precision", T.INT, "数量小数位", minimum=ZERO, maximum=Decimal(6), default=0),
                Column("photo_url", T.TEXT, "图片链接", max_len=1000),
                Column("manual_url", T.TEXT, "手册链接", max_len=1000),
                _money("purchase_price", "采购价", True),
                _money("sale_price", "销售价", True),
                Column("currency", T.CHOICE, "币种", choices=("CNY",), default="CNY"),
                Column(
                    "costing_method", T.CHOICE, "计价方法", choices=("moving_average", "fifo"), default="moving_average"
                ),
                Column("abc_class", T.CHOICE, "ABC分类", choices=("A", "B", "C")),
                _code("primary_supplier_code", "主供应商"),
                _code("backup_supplier_code", "备选供应商"),
                Column("lead_time_days", T.INT, "交期(天)", minimum=ZERO, maximum=Decimal(365), default=7),
                Column("moq", T.INT, "最小起订量", minimum=Decimal(1), maximum=Decimal(10**9), default=1),
                Column("pack_size", T.INT, "包装数量", minimum=Decimal(1), maximum=Decimal(10**9), default=1),
                _code("superseded_by", "被替代为", help="the code of the newer part", pattern=part_code_pattern),
                Column("substitutes", T.LIST, "可互换件", max_len=40, help="codes of interchangeable parts"),
                Column("aliases", T.LIST, "别名", max_len=200, help="other names people use"),
                Column("active", T.BOOL, "启用", default=True),
            ),
            ("code",),
            _check_parts,
            "Part master data with every field; aliases and substitutes replace the existing ones.",
        ),
        KindSpec(
            ImportKind.SUPPLIER_PARTS,
            "Supplier parts",
            (
                _code("supplier_code", "供应商编码", True),
                part,
                Column("supplier_part_no", T.TEXT, "供应商料号", max_len=80),
                _money("unit_price", "供货价"),
                Column("lead_time_days", T.INT, "交期(天)", minimum=ZERO, maximum=Decimal(365)),
                Column("moq", T.INT, "最小起订量", minimum=Decimal(1), maximum=Decimal(10**9)),
                Column("pack_size", T.INT, "包装数量", minimum=Decimal(1), maximum=Decimal(10**9)),
            ),
            ("supplier_code", "part_code"),
            description="Which supplier sells which part, at what price and lead time.",
        ),
        KindSpec(
            ImportKind.STOCK_POLICIES,
            "Stock policies",
            (
                part,
                _code("location_code", "门店/仓库", True, "a store or the warehouse"),
                Column("safety_stock", T.DECIMAL, "安全库存", required=True, scale=6, minimum=ZERO),
                Column("reorder_point", T.DECIMAL, "再订货点", required=True, scale=6, minimum=ZERO),
                Column("max_stock", T.DECIMAL, "最高库存", required=True, scale=6, minimum=ZERO),
            ),
            ("part_code", "location_code"),
            _check_policies,
            "Safety stock, reorder point and maximum per part and site (planning may recompute them).",
        ),
        KindSpec(
            ImportKind.SYNONYMS,
            "Synonyms",
            (
                Column("group_no", T.INT, "同义词组", required=True, minimum=Decimal(1), maximum=Decimal(10**9)),
                Column("term", T.TEXT, "词语", required=True, max_len=200),
            ),
            ("group_no", "term"),
            description="Trade terms that mean the same thing (刹车片 = 制动片 = brake pad), one per row.",
        ),
        KindSpec(
            ImportKind.DMS_PART_MAP,
            "DMS part numbers",
            (
                Column("dms_part_no", T.TEXT, "DMS件号", required=True, max_len=80),
                part,
            ),
            ("dms_part_no",),
            description="The DMS's part numbers and the IMS part each one means.",
        ),
        KindSpec(
            ImportKind.PRICES,
            "Prices",
            (
                part,
                _money("purchase_price", "采购价"),
                _money("sale_price", "销售价"),
                _code("supplier_code", "供应商编码"),
                _money("supplier_unit_price", "供货价"),
            ),
            ("part_code", "supplier_code"),
            _check_prices,
            "Price and cost updates (from the ERP): empty cells leave a price unchanged.",
        ),
        KindSpec(
            ImportKind.OPENING_STOCK,
            "Opening stock",
            (
                part,
                _code("location_code", "库位", True, "a store, warehouse, zone or bin"),
                Column("lot_no", T.TEXT, "批号", max_len=64, default=""),
                qty,
                Column(
                    "unit_cost", T.DECIMAL, "单位成本", required=True, scale=6, minimum=ZERO, maximum=Decimal("1e9")
                ),
                Column("received_on", T.DATE, "入库日期"),
                Column("expiry_date", T.DATE, "有效期至"),
            ),
            ("part_code", "location_code", "lot_no"),
            _check_opening,
            "On-hand stock at go-live, valued; posted from V-ADJUSTMENT when the total matches finance's figure.",
        ),
        KindSpec(
            ImportKind.DEMAND_HISTORY,
            "Demand history",
            (
                part,
                _code("location_code", "门店/仓库", True, "the site where the demand happened"),
                Column("occurred_on", T.DATE, "日期", required=True),
                qty,
                Column("filled", T.DECIMAL, "已满足数量", scale=6, minimum=ZERO, help="defaults to the quantity"),
            ),
            (),
            _check_demand,
            "Past demand events per part, site and day, for forecasting.",
        ),
    ]
    return {spec.kind: spec for spec in specs}


def spec_for(kind: ImportKind, part_code_pattern: str) -> KindSpec:
    return _specs(part_code_pattern)[kind]


def all_specs(part_code_pattern: str) -> dict[ImportKind, KindSpec]:
    return _specs(part_code_pattern)
