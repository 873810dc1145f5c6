"""Go-live import speed and memory, into a fresh database created on the DATABASE_URL server.

1. Files are generated from the demo company (domain.demo.generate) in a temporary folder, by a
   child process, so generation memory does not count: locations, suppliers, the 2,500 parts, an
   opening stock of 62,500 balances (every part at each of the 25 stores, valued) and two
   synthetic part files of 20,000 and 100,000 rows (xlsx, read back in openpyxl's read-only mode).
2. locations → suppliers → parts → opening stock are imported as `ims import` does it (the opening
   stock against its control total); `import_seconds` is parts + opening stock.
3. Each big part file is imported by its own child process, which reports its time and its peak
   RSS: `peak_rss_mb` (100,000 rows) against `peak_rss_mb_20k` shows the memory stays flat.

Prints JSON: import_seconds, big_file_seconds, peak_rss_mb, and the detail. Targets: 2,500 parts
+ 62,500 opening balances ≤ 15 s; the 100,000-row part file ≤ 60 s with flat memory.

    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/postgres .venv/bin/python -m benchmarks.import
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from benchmarks._harness import ROOT, database_url, emit

PART_COLUMNS = (
    "code",
    "barcode",
    "name_zh",
    "name_en",
    "category",
    "spec",
    "uom",
    "uom_precision",
    "purchase_price",
    "sale_price",
    "costing_method",
    "abc_class",
    "primary_supplier_code",
    "lead_time_days",
    "moq",
    "pack_size",
    "aliases",
)


def _ean13(body12: str) -> str:
    total = sum(int(d) * (3 if n % 2 else 1) for n, d in enumerate(body12))
    return body12 + str((10 - total % 10) % 10)


def _write_xlsx(path: Path, header: tuple[str, ...], rows) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    ws = book.create_sheet("data")
    ws.append(list(header))
    for row in rows:
        ws.append(row)
    book.save(path)


def generate_files(folder: Path) -> None:
    """Child process: the demo company as import files, plus synthetic big part files."""
    from domain.demo.generate import generate

    data = generate(42)
    _write_xlsx(
        folder / "locations.xlsx",
        ("code", "name_zh", "name_en", "kind", "parent_code", "virtual_kind", "city", "bin_capacity"),
        (
            (s.code, s.name_zh, s.name_en, s.kind, s.parent_code, s.virtual_kind, s.city, s.bin_capacity)
            for s in data.locations
        ),
    )
    _write_xlsx(
        folder / "suppliers.xlsx",
        ("code", "name_zh", "name_en", "city", "lead_time_days_mean", "on_time_rate", "contact_name", "contact_phone"),
        (
            (
                s.code,
                s.name_zh,
                s.name_en,
                s.city,
                round(s.lead_time_days_mean, 2),
                round(s.on_time_rate, 4),
                s.contact_name,
                s.contact_phone,
            )
            for s in data.suppliers
        ),
    )
    _write_xlsx(
        folder / "parts.xlsx",
        (*PART_COLUMNS, "substitutes", "superseded_by", "photo_url"),
        (
            (
                p.code,
                p.barcode,
                p.name_zh,
                p.name_en,
                p.category,
                p.spec,
                p.uom,
                p.uom_precision,
                float(p.purchase_price),
                float(p.sale_price),
                p.costing_method,
                p.abc_class,
                p.primary_supplier_code,
                p.lead_time_days,
                p.moq,
                p.pack_size,
                "; ".join(dict.fromkeys(p.aliases)),
                "; ".join(p.substitutes),
                p.superseded_by,
                p.photo_url,
            )
            for p in data.parts
        ),
    )
    stores = [s.code for s in data.locations if s.kind == "store"]
    total = Decimal(0)
    opening = []
    for n, p in enumerate(data.parts):
        for m, store in enumerate(stores):
            quantity = 1 + (n * 7 + m * 3) % 19
            cost = p.purchase_price
            total += quantity * cost
            opening.append((p.code, store, quantity, float(cost)))
    _write_xlsx(folder / "opening_stock.xlsx", ("part_code", "location_code", "quantity", "unit_cost"), opening)
    (folder / "opening_stock.control").write_text(str(total.quantize(Decimal("0.01"))))
    suppliers = [s.code for s in data.suppliers]
    for size, name in ((20_000, "parts_20k.xlsx"), (100_000, "parts_100k.xlsx")):
        _write_xlsx(folder / name, PART_COLUMNS, _synthetic_parts(size, suppliers, offset=0 if size > 20_000 else 1))


def _synthetic_parts(size: int, suppliers: list[str], offset: int):  # type: ignore[no-untyped-def]
    """Codes XAA-0001-A… (the two files use different grades, so each import inserts)."""
    grade = "AB"[offset]
    for n in range(size):
        category = "X" + chr(65 + n // 9999 // 26) + chr(65 + n // 9999 % 26)
        code = f"{category}-{n % 9999 + 1:04d}-{grade}"
        yield (
            code,
            _ean13(f"69{offset}{n:09d}"),
            f"测试配件{n}号",
            f"Test part {n}",
            category,
            f"规格 {n % 97} x {n % 13} mm",
            "PCS",
            0,
            10 + n % 500,
            20 + n % 900,
            "moving_average",
            "ABC"[n % 3],
            suppliers[n % len(suppliers)],
            7,
            1,
            1,
            f"别名{n}; alias {n}",
        )


async def _import(url: str, kind: str, path: Path, control: Decimal | None = None) -> tuple[float, dict]:
    from domain.db import create_engine, session_factory
    from domain.masterdata.kinds import ImportKind
    from domain.principal import Principal
    from integrations.excel.importer import import_file

    engine = create_engine(url)
    try:
        started = time.perf_counter()
        async with session_factory(engine)() as session, session.begin():
            report = await import_file(
                session, Principal.system("benchmark"), ImportKind(kind), path, control_total=control
            )
        elapsed = time.perf_counter() - started
    finally:
        await engine.dispose()
    if not report.applied:
        raise SystemExit(f"{kind} import failed: {report.to_json()['errors'][:5]}")
    return elapsed, {"rows": report.rows_total, **report.summary}


def _peak_rss_kb() -> int:
    """This process image's high-water mark. Not getrusage's ru_maxrss: on Linux that survives
    exec, so a child would report its parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def big_child(url: str, path: Path) -> None:
    """Child process: import one big part file, print seconds and this process's peak RSS."""
    seconds, summary = asyncio.run(_import(url, "parts", path))
    print(json.dumps({"seconds": seconds, "peak_rss_mb": round(_peak_rss_kb() / 1024, 1), "summary": summary}))


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


async def _admin(url: str, sql: str) -> None:
    import asyncpg

    dsn = _with_database(url, "postgres").replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _check(url: str) -> int:
    from domain.db import create_engine, session_factory
    from domain.stock.check import check_ledger

    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            return len(await check_ledger(session))
    finally:
        await engine.dispose()


def _child(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.import", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise SystemExit(result.stderr[-2000:])
    return result.stdout


def main() -> None:
    from api.migrations import upgrade
    from domain.db import normalise_url

    server = normalise_url(database_url())
    name = f"ims_bench_import_{uuid.uuid4().hex[:8]}"
    url = _with_database(server, name)
    asyncio.run(_admin(server, f'CREATE DATABASE "{name}"'))
    figures: dict[str, object] = {}
    try:
        upgrade(url)
        with tempfile.TemporaryDirectory(prefix="ims-import-bench-") as tmp:
            folder = Path(tmp)
            started = time.perf_counter()
            _child("--generate", str(folder))
            figures["generate_seconds"] = round(time.perf_counter() - started, 1)
            timings = {}
            for kind, file in (
                ("locations", "locations.xlsx"),
                ("suppliers", "suppliers.xlsx"),
                ("parts", "parts.xlsx"),
            ):
                timings[kind] = asyncio.run(_import(url, kind, folder / file))
            control = Decimal((folder / "opening_stock.control").read_text())
            timings["opening_stock"] = asyncio.run(
                _import(url, "opening_stock", folder / "opening_stock.xlsx", control)
            )
            figures["import_seconds"] = round(timings["parts"][0] + timings["opening_stock"][0], 2)
            figures["detail"] = {k: {"seconds": round(s, 2), **summary} for k, (s, summary) in timings.items()}
            small = json.loads(_child("--big", url, str(folder / "parts_20k.xlsx")))
            big = json.loads(_child("--big", url, str(folder / "parts_100k.xlsx")))
            figures["big_file_seconds"] = round(big["seconds"], 2)
            figures["peak_rss_mb"] = big["peak_rss_mb"]
            figures["peak_rss_mb_20k"] = small["peak_rss_mb"]
            figures["big_file_rows"] = big["summary"]["rows"]
            figures["file_mb_100k"] = round((folder / "parts_100k.xlsx").stat().st_size / 1e6, 1)
            figures["ledger_violations"] = asyncio.run(_check(url))
    finally:
        asyncio.run(_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    emit(figures)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--generate":
        generate_files(Path(sys.argv[2]))
    elif len(sys.argv) == 4 and sys.argv[1] == "--big":
        os.environ.setdefault("IMS_LOG_LEVEL", "WARNING")
        big_child(sys.argv[2], Path(sys.argv[3]))
    else:
        main()
