"""The frozen records the demo generator hands to the database loader.

Kept apart from the generation logic so the loader can import the shapes without pulling in the
catalogue tables, and so every module of the generator speaks the same types."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np


@dataclass(frozen=True)
class LocationSpec:
    code: str
    name_zh: str
    name_en: str
    kind: str  # company | region | store | warehouse | zone | bin | virtual
    parent_code: str | None
    virtual_kind: str | None = None  # supplier | workshop | adjustment | transit | scrap | customer
    city: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    address: str | None = None
    bin_capacity: int | None = None  # bins only: rough number of units the bin holds


@dataclass(frozen=True)
class SupplierSpec:
    code: str
    name_zh: str
    name_en: str
    city: str
    on_time_rate: float
    lead_time_days_mean: float
    lead_time_days_std: float
    contact_name: str
    contact_phone: str
    contact_email: str


@dataclass(frozen=True)
class VehicleModelSpec:
    make: str
    model: str
    year_from: int
    year_to: int
    engine: str
    # Added: English names for the bilingual UI, and the powertrain that decides which parts fit
    # (no oil filter on a BEV, no battery coolant on a petrol car).
    make_en: str = ""
    model_en: str = ""
    powertrain: str = "ICE"  # ICE | HEV | PHEV | BEV


@dataclass(frozen=True)
class PartSpec:
    code: str  # category-sequence-grade, e.g. "BRK-0001-A"; grades of one sequence are substitutes
    barcode: str  # EAN-13
    name_zh: str
    name_en: str
    category: str
    spec: str
    uom: str
    uom_precision: int
    purchase_price: Decimal
    sale_price: Decimal
    costing_method: str
    abc_class: str
    primary_supplier_code: str
    backup_supplier_code: str | None
    lead_time_days: int
    moq: int
    pack_size: int
    aliases: tuple[str, ...]
    fitment: tuple[int, ...]  # indices into DemoDataset.vehicle_models; () = workshop material
    superseded_by: str | None
    substitutes: tuple[str, ...]
    photo_url: str | None
    manual_url: str | None
    # Added: lot tracking and shelf life drive the lot/expiry columns of the opening stock.
    lot_tracked: bool = False
    shelf_life_days: int | None = None


@dataclass(frozen=True)
class DemoDataset:
    today: date
    start_date: date
    locations: list[LocationSpec]
    distances: list[tuple[str, str, float]]
    suppliers: list[SupplierSpec]
    vehicle_models: list[VehicleModelSpec]
    parts: list[PartSpec]
    synonyms: list[tuple[str, ...]]
    site_codes: list[str]
    safety_stock: np.ndarray
    reorder_point: np.ndarray
    max_stock: np.ndarray
    stock_part: np.ndarray
    stock_location: np.ndarray
    stock_lot: list[str]
    stock_quantity: np.ndarray
    stock_unit_cost: np.ndarray
    stock_received_on: np.ndarray
    stock_expiry: np.ndarray
    demand_part: np.ndarray
    demand_site: np.ndarray
    demand_day: np.ndarray
    demand_quantity: np.ndarray
