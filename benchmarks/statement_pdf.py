"""A monthly reconciliation statement of 2,000 lines rendered to PDF (issue 8: ≤ 3 s).

Pure data, no database: a synthetic statement with the five sections, Chinese and English part
names, notes on returns and credits. Renders `BENCH_RUNS` times (default 5) after one small warm-up
render (fonts, as in a running server) and prints JSON: statement_pdf_seconds (median wall time),
statement_pdf_max_seconds, statement_pdf_cpu_seconds (median CPU time of the process),
load_average_1m (the machine is shared), pages, bytes, lines, and the Excel export of the same
statement for reference (statement_xlsx_seconds).

    .venv/bin/python -m benchmarks.statement_pdf"""

from __future__ import annotations

import io
import os
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from benchmarks._harness import emit
from domain.vmi.statements.lines import LineData, Section, ordered, signed_amount, totals
from domain.vmi.statements.render import CommentEntry, Party, StatementDocument

NAMES = [
    ("前刹车片", "Front Brake Pad"),
    ("前制动片（陶瓷）", "Front Brake Pad Ceramic"),
    ("电池冷却液", "Battery Coolant"),
    ("机油滤清器", "Oil Filter"),
    ("空气滤清器芯", "Air Filter Element"),
    ("火花塞（铱金）", "Spark Plug Iridium"),
    ("雨刮片", "Wiper Blade"),
    ("正时皮带套装", "Timing Belt Kit"),
]
SHARES = [
    (Section.RECEIPT, 0.62),
    (Section.RETURN, 0.08),
    (Section.PRICE_DIFFERENCE, 0.05),
    (Section.CONSIGNMENT, 0.24),
]


def synthetic_statement(n_lines: int = 2000, seed: int = 8) -> StatementDocument:
    rng = random.Random(seed)
    start = datetime(2026, 10, 1, tzinfo=UTC)
    lines: list[LineData] = []
    for n in range(n_lines - 2):
        r, acc, section = rng.random(), 0.0, Section.RECEIPT
        for candidate, share in SHARES:
            acc += share
            if r < acc:
                section = candidate
                break
        zh, en = NAMES[n % len(NAMES)]
        qty = Decimal(rng.randint(1, 40))
        price = Decimal(rng.randint(1500, 90000)) / 100
        if section is Section.PRICE_DIFFERENCE:
            price = Decimal(rng.randint(-300, 300)) / 100
        lines.append(
            LineData(
                section=section,
                occurred_at=start + timedelta(minutes=20 * n),
                quantity=qty,
                unit_price=price,
                amount=signed_amount(section, qty, price),
                doc_type="po_receipt",
                doc_ref=f"PO-{100000 + n // 4:06d}" if section is Section.RECEIPT else f"RTV-{n:06d}",
                move_id=500000 + n,
                posting_id=200000 + n // 2,
                po_number=f"PO-{100000 + n // 4:06d}",
                po_line_no=n % 4 + 1,
                part_id=n % 400,
                part_code=f"BRK-{n % 400:04d}-A",
                part_name_zh=zh,
                part_name_en=en,
                location_code=f"S-BJ0{n % 3 + 1}-QC",
                note="质检不合格 QC reject: cracked" if section is Section.RETURN and n % 3 == 0 else None,
            )
        )
    for n in range(2):
        amount = Decimal("1250.00") * (n + 1)
        lines.append(
            LineData(
                section=Section.CREDIT,
                occurred_at=start + timedelta(days=29, hours=n),
                quantity=Decimal(1),
                unit_price=amount,
                amount=-amount,
                doc_type="credit_note",
                doc_ref=f"CN-2026-10-{n + 1}",
                note="年度返利 annual rebate",
            )
        )
    numbered = ordered(lines)
    now = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)
    return StatementDocument(
        number="ST-SUP01-2026-10",
        kind="monthly",
        status="issued",
        revision=1,
        currency="CNY",
        period_start=date(2026, 10, 1),
        period_end=date(2026, 10, 31),
        company=Party("HQ", "华信汽车集团", "Huaxin Auto Group", "北京"),
        supplier=Party("SUP-01", "华北制动系统有限公司", "North Brake Systems", "天津", "王经理 · 022-5555-0101"),
        totals=totals(Decimal("18234.50"), numbered),
        lines=numbered,
        comments=[CommentEntry(now, "user:finance", "internal", "issue", "请于 11 月 10 日前确认。Please confirm.")],
        generated_at=now,
        printed_at=now,
        issued_at=now,
        previous_number="ST-SUP01-2026-09",
    )


def main() -> None:
    from pypdf import PdfReader

    from integrations.documents.statement_pdf import statement_pdf
    from integrations.excel.statement import statement_xlsx

    runs = int(os.environ.get("BENCH_RUNS", "5"))
    doc = synthetic_statement()
    statement_pdf(synthetic_statement(20))  # warm fonts and caches, as a long-running server would be
    seconds, cpu, body = [], [], b""
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        body = statement_pdf(doc)
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    started = time.perf_counter()
    xlsx = statement_xlsx(doc)
    xlsx_seconds = time.perf_counter() - started
    emit(
        {
            "statement_pdf_seconds": round(statistics.median(seconds), 3),
            "statement_pdf_max_seconds": round(max(seconds), 3),
            # CPU time of this process: steadier than wall time when the two cores are shared.
            "statement_pdf_cpu_seconds": round(statistics.median(cpu), 3),
            "load_average_1m": round(os.getloadavg()[0], 2),
            "runs": runs,
            "lines": len(doc.lines),
            "pages": len(PdfReader(io.BytesIO(body)).pages),
            "bytes": len(body),
            "statement_xlsx_seconds": round(xlsx_seconds, 3),
            "xlsx_bytes": len(xlsx),
        }
    )


if __name__ == "__main__":
    main()
