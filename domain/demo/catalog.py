"""The parts catalogue: names, specs, prices, fitment, quality grades, supersession and substitutes.

A *family* is one type × fitment × spec variant. Its quality grades share the sequence number
(BRK-0001-A original, BRK-0001-B OE-equivalent, BRK-0001-C economy) and are substitutes of one
another. A few families were revised during the history window: each revision got a new sequence
number and the old one points at it (`superseded_by`), and its demand stops at the switch day so the
old stock turns into the dead stock a real catalogue carries."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from domain.demo.names import EN_VALUE, NAME_TAG
from domain.demo.org import SUPPLIER_CODES, build_suppliers
from domain.demo.part_types import CAT_SHARE, CAT_SUPPLIERS, TYPES, PartType
from domain.demo.specs import PartSpec, SupplierSpec, VehicleModelSpec
from domain.demo.vehicles import PREMIUM_MAKES

HISTORY_DAYS = 730
FAST, MID, SLOW = 0, 1, 2
TIER_SHARE = (0.15, 0.35)  # fast, mid; the rest is the slow tail
_VEL_WEIGHT = {3: 8.0, 2: 2.0, 1: 0.5}  # how strongly a type's `vel` pulls its parts into the fast tier
# P(A), P(B) of the parts managers' own ABC class per velocity tier: they know their movers, mostly.
MANUAL_ABC = {FAST: (0.8, 0.15), MID: (0.1, 0.7), SLOW: (0.02, 0.13)}
_GRADE_PRICE = {"A": 1.0, "B": 0.72, "C": 0.52}
_GRADE_TAG = {"A": ("", ""), "B": (" [品牌件]", " (OE-equivalent)"), "C": (" [经济型]", " (Economy)")}
_REVISION_TAG = ("", " / 改进型", " / 第三代改进型")
_POWERTRAINS = {"any": ("ICE", "HEV", "PHEV", "BEV"), "ice": ("ICE", "HEV", "PHEV"), "ev": ("PHEV", "BEV")}
MEDIA = "https://media.ims-demo.example"


@dataclass(frozen=True)
class Catalog:
    """The parts plus the hidden truth the demand and stock generators need (not loaded to the DB)."""

    parts: list[PartSpec]
    suppliers: list[SupplierSpec]
    type_of: np.ndarray  # int index into TYPES
    tier: np.ndarray  # FAST | MID | SLOW
    active_from: np.ndarray  # first day (since start) the part sells
    active_to: np.ndarray  # day after the last it sells (supersession switch)
    ev: np.ndarray  # bool: fits only cars with a traction battery (demand grows)
    ice: np.ndarray  # bool: fits only cars with an engine (demand shrinks slowly)
    price: np.ndarray  # float purchase price


def ean13(body12: str) -> str:
    """Append the EAN-13 check digit: weights 1,3,1,3... from the left over the first 12 digits."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body12))
    return body12 + str((10 - total % 10) % 10)


def _money(x: float) -> Decimal:
    return Decimal(str(x)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _en(value: str) -> str:
    return EN_VALUE.get(value, value.replace("英寸", "in"))


def _category_counts(n_parts: int) -> dict[str, int]:
    """Largest-remainder split so the categories always add up to n_parts exactly."""
    raw = {c: s * n_parts for c, s in CAT_SHARE.items()}
    counts = {c: int(v) for c, v in raw.items()}
    for c in sorted(raw, key=lambda c: counts[c] - raw[c])[: n_parts - sum(counts.values())]:
        counts[c] += 1
    return counts


@dataclass
class _Row:
    ti: int
    cat: str
    seq: int
    grade: str
    rev: int
    revisions: int
    fit: tuple[int, ...]
    name_zh: str
    name_en: str
    spec: str
    price: float


class _Builder:
    def __init__(self, rng: np.random.Generator, vehicles: list[VehicleModelSpec]) -> None:
        self.rng = rng
        self.vehicles = vehicles
        self.eligible = {
            k: np.array([i for i, v in enumerate(vehicles) if v.powertrain in pts]) for k, pts in _POWERTRAINS.items()
        }
        self.wide_assign: dict[int, np.ndarray] = {}
        self.seen: set[tuple[str, str]] = set()

    def pick(self, options: tuple[str, ...]) -> str:
        return options[int(self.rng.integers(len(options)))]

    def fitment(self, ti: int, t: PartType, opt_index: int) -> tuple[int, ...]:
        elig = self.eligible[t.pt]
        if t.fit == "none":
            return ()
        if t.fit == "all":
            return tuple(int(i) for i in elig)
        if t.fit == "wide":  # models share a size: each model gets one option of this type's name_key
            n_opts = len(t.opts[t.name_key[0]]) if t.name_key else 1
            if ti not in self.wide_assign:
                self.wide_assign[ti] = self.rng.integers(n_opts, size=len(self.vehicles))
            hit = [int(i) for i in elig if self.wide_assign[ti][i] == opt_index]
            if len(hit) < 2:
                hit = sorted(int(i) for i in self.rng.choice(elig, size=min(3, len(elig)), replace=False))
            return tuple(hit)
        first = int(self.rng.choice(elig))
        same_make = [int(i) for i in elig if self.vehicles[i].make == self.vehicles[first].make and i != first]
        extra = [i for i in same_make if self.rng.random() < 0.3][:2]
        return tuple(sorted([first, *extra]))

    def names(self, t: PartType, opt: dict[str, str], fit: tuple[int, ...]) -> tuple[str, str]:
        zh, en = t.zh, t.en
        for key in t.name_key:
            tz, te = NAME_TAG.get(key, ("{}", "{}"))
            zh, en = f"{zh} {tz.format(opt[key])}", f"{en} {te.format(_en(opt[key]))}"
        if t.fit == "model":
            vs = [self.vehicles[i] for i in fit]
            zh += " " + vs[0].make + "/".join(v.model for v in vs if v.make == vs[0].make)
            en += f" - {vs[0].make_en} " + "/".join(v.model_en for v in vs if v.make == vs[0].make)
        return zh, en


def _supplier_pair(rng: np.random.Generator, t: PartType) -> tuple[str, str | None]:
    primary, backup = CAT_SUPPLIERS[t.cat]
    primary = t.supplier or primary
    if backup == primary or rng.random() < 0.3:
        return primary, None
    return primary, backup


def build_catalog(rng: np.random.Generator, n_parts: int, vehicles: list[VehicleModelSpec]) -> Catalog:
    suppliers = build_suppliers(rng)
    lead = {s.code: s.lead_time_days_mean for s in suppliers}
    b = _Builder(rng, vehicles)
    rows: list[_Row] = []
    for cat, count in _category_counts(n_parts).items():
        type_ids = [i for i, t in enumerate(TYPES) if t.cat == cat]
        seq, made, misses = 0, 0, 0
        while made < count:
            ti = int(rng.choice(type_ids))
            t = TYPES[ti]
            opt = {k: b.pick(v) for k, v in t.opts.items()}
            fit = b.fitment(ti, t, t.opts[t.name_key[0]].index(opt[t.name_key[0]]) if t.name_key else 0)
            spec = t.spec.format(**opt)
            name_zh, name_en = b.names(t, opt, fit)
            if (name_zh, spec) in b.seen and misses < 10_000:  # the guard only bites for huge catalogues
                misses += 1
                continue
            b.seen.add((name_zh, spec))
            u = rng.random()
            grades = ("A",) if u < 0.6 else ("B",) if u < 0.68 else ("A", "B") if u < 0.94 else ("A", "B", "C")
            revisions = 1 if t.fit != "model" or rng.random() > 0.012 else int(rng.integers(2, 4))
            base = float(np.exp(rng.uniform(*np.log(t.price))))
            if t.fit == "model" and any(vehicles[i].make in PREMIUM_MAKES for i in fit):
                base *= 1.4
            family: list[_Row] = []
            for r in range(revisions):
                seq += 1
                for g in grades if r == revisions - 1 else ("A",):
                    gz, ge = _GRADE_TAG[g]
                    price = base * _GRADE_PRICE[g] * rng.uniform(0.95, 1.05) * (1 + 0.04 * r)
                    names = (name_zh + gz, name_en + ge, spec + _REVISION_TAG[r])
                    family.append(_Row(ti, cat, seq, g, r, revisions, fit, *names, price))
            family = family[: count - made]
            rows += family
            made += len(family)
    return _finish(rng, rows, suppliers, lead)


def _finish(
    rng: np.random.Generator, rows: list[_Row], suppliers: list[SupplierSpec], lead: dict[str, float]
) -> Catalog:
    n = len(rows)
    type_of = np.array([r.ti for r in rows], dtype=np.int32)
    codes = [f"{r.cat}-{r.seq:04d}-{r.grade}" for r in rows]
    # Velocity tiers: fast-moving types (pads, filters, wipers...) dominate the fast 15 %.
    w = np.array([_VEL_WEIGHT[TYPES[t].vel] for t in type_of]) * rng.uniform(0.5, 1.5, n)
    order = rng.choice(n, size=n, replace=False, p=w / w.sum())
    tier = np.full(n, SLOW, dtype=np.int8)
    n_fast, n_mid = round(TIER_SHARE[0] * n), round(TIER_SHARE[1] * n)
    tier[order[:n_fast]] = FAST
    tier[order[n_fast : n_fast + n_mid]] = MID

    # Supersession: revision r of a family sells from its switch day until the next revision's.
    active_from = np.zeros(n, dtype=np.int32)
    active_to = np.full(n, HISTORY_DAYS, dtype=np.int32)
    superseded_by: list[str | None] = [None] * n
    i = 0
    while i < n:
        r = rows[i]
        if r.rev == 0 and r.revisions > 1:
            end = i
            while end < n and rows[end].cat == r.cat and rows[end].seq < r.seq + r.revisions:
                end += 1
            chain = list(range(i, end))
            heads = [j for j in chain if rows[j].grade == "A"]
            switch = np.sort(rng.integers(90, HISTORY_DAYS - 60, size=len(heads) - 1))
            for k, (old, new) in enumerate(itertools.pairwise(heads)):
                superseded_by[old] = codes[new]
                active_to[old] = switch[k]
                active_from[[j for j in chain if rows[j].rev == k + 1]] = switch[k]
            tier[chain] = tier[heads[-1]]
            i = end
        else:
            i += 1

    by_family: dict[tuple[str, int], list[int]] = {}
    for j, r in enumerate(rows):
        by_family.setdefault((r.cat, r.seq), []).append(j)

    supplier_no = {c: 30100 + 37 * k for k, c in enumerate(SUPPLIER_CODES)}
    parts: list[PartSpec] = []
    prices = np.empty(n)
    for j, r in enumerate(rows):
        t = TYPES[r.ti]
        primary, backup = _supplier_pair(rng, t)
        purchase = _money(r.price)
        prices[j] = float(purchase)
        markup = rng.uniform(1.3, 1.9) if prices[j] < 200 else rng.uniform(1.22, 1.6)
        sale = prices[j] * markup
        sale_d = _money(round(sale) if sale >= 20 else round(sale, 1))
        if sale_d <= purchase:
            sale_d = purchase + Decimal("1.00")
        pa, pb = MANUAL_ABC[int(tier[j])]
        u = rng.random()
        abc = "A" if u < pa else "B" if u < pa + pb else "C"
        pack = t.pack
        moq = pack * (int(rng.choice((1, 2, 5))) if prices[j] < 50 and t.prec == 0 else 1)
        family = by_family[(r.cat, r.seq)]
        parts.append(
            PartSpec(
                code=codes[j], barcode=ean13(f"69{supplier_no[primary]}{j + 1:05d}"),
                name_zh=r.name_zh, name_en=r.name_en, category=r.cat, spec=r.spec,
                uom=t.uom, uom_precision=t.prec, purchase_price=purchase, sale_price=sale_d,
                costing_method="fifo" if t.lot else "moving_average", abc_class=abc,
                primary_supplier_code=primary, backup_supplier_code=backup,
                lead_time_days=max(2, round(lead[primary] + rng.integers(-2, 3))), moq=moq, pack_size=pack,
                aliases=tuple(dict.fromkeys((*t.alias_zh, *t.alias_en, t.en))),
                fitment=r.fit, superseded_by=superseded_by[j],
                substitutes=tuple(codes[k] for k in family if k != j),
                photo_url=f"{MEDIA}/parts/{codes[j]}.jpg" if rng.random() < 0.86 else None,
                manual_url=f"{MEDIA}/manuals/{codes[j]}.pdf" if rng.random() < t.manual else None,
                lot_tracked=t.lot, shelf_life_days=t.shelf_days,
            )
        )  # fmt: skip
    ev = np.array([TYPES[t].pt == "ev" or TYPES[t].cat == "BCL" for t in type_of])
    ice = np.array([TYPES[t].pt == "ice" for t in type_of])
    return Catalog(parts, suppliers, type_of, tier, active_from, active_to, ev, ice, prices)
