"""A reconciliation statement as PDF (weasyprint): a summary page (company header, supplier block,
period, status, totals, comments, signatures) and the lines grouped by section on pages with a
running column header. Chinese text uses Noto Sans CJK SC (Debian fonts-noto-cjk); page numbers are
CSS counters ("第 N 页 / 共 M 页 · Page N of M").

Speed: a 2,000-line statement renders in about a second (benchmarks/statement_pdf.py) because the
lines are preformatted text (see layout.py for why not a table) paginated here, `ROWS_PER_PAGE`
rows under a repeated column header per page: weasyprint never splits a block across pages and
never lays out a running header, which together cost more than the lines themselves."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape
from weasyprint import HTML

from domain.analytics.settings import get_analytics_settings
from domain.vmi.statements.lines import SECTION_ORDER, SECTION_TITLES, SUBTRACTED, Section, section_total
from domain.vmi.statements.render import StatementDocument
from integrations.documents import layout

TEMPLATES = Path(__file__).resolve().parent / "templates"
ROWS_PER_PAGE = 40

STATUS_TITLES = {
    "draft": ("草稿", "Draft"),
    "issued": ("已出具", "Issued"),
    "confirmed": ("供应商已确认", "Confirmed"),
    "disputed": ("有异议", "Disputed"),
    "settled": ("已结算", "Settled"),
}
KIND_TITLES = {"monthly": ("月度对账", "Monthly statement"), "range": ("区间对账", "Range statement")}

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=jinja2.select_autoescape(["html"]), trim_blocks=True
)


@dataclass(frozen=True)
class Row:
    kind: str  # "line", "note", "section", "total" or "blank"
    text: str


def _rows(doc: StatementDocument) -> list[Row]:
    """Every row of the line listing in order: per section a title, its lines (and notes), a total."""
    zone = get_analytics_settings().zone
    rows: list[Row] = []
    for section in SECTION_ORDER:
        lines = [line for line in doc.lines if line.section == section]
        title_zh, title_en = SECTION_TITLES[section]
        rows.append(Row("section", f"{title_zh} {title_en} · {len(lines)} 行 lines"))
        for line in lines:
            rows.append(Row("line", layout.row(line, zone)))
            note = layout.note_line(line)
            if note:
                rows.append(Row("note", note))
        if not lines:
            rows.append(Row("note", layout.advance(0, 6) + "本期无 None in this period"))
        sign = " (−)" if section in SUBTRACTED else ""
        total = section_total(lines, Section(section))
        rows.append(Row("total", layout.total_line(f"{title_zh}合计 {title_en} total{sign}", total)))
        rows.append(Row("blank", ""))
    rows.append(Row("total", layout.total_line("期末应付 Closing amount", doc.totals.closing)))
    return rows


def _pages(rows: list[Row], per_page: int = ROWS_PER_PAGE) -> list[Markup]:
    """Rows cut into pages (a section title never ends a page), each as the markup of one <pre>."""
    pages: list[list[Row]] = [[]]
    for row in rows:
        page = pages[-1]
        if row.kind == "blank" and not page:
            continue
        if len(page) >= per_page or (row.kind == "section" and len(page) >= per_page - 2):
            pages.append([])
            if row.kind == "blank":
                continue
        pages[-1].append(row)
    out = []
    for page in pages:
        parts = []
        for row in page:
            text = escape(row.text)
            styled = row.kind in ("section", "total")
            parts.append(Markup(f'<span class="{row.kind}">{text}</span>') if styled else text)
        out.append(Markup("\n").join(parts))
    return out


def _summary(doc: StatementDocument) -> list[tuple[str, str, str, int | None, str]]:
    counts = {s: sum(1 for line in doc.lines if line.section == s) for s in SECTION_ORDER}
    t = doc.totals
    rows: list[tuple[str, str, str, int | None, str]] = [
        ("", "期初余额", "Opening balance", None, layout.money(t.opening))
    ]
    figures = {
        Section.RECEIPT: ("+", t.receipts),
        Section.RETURN: ("−", t.returns),
        Section.PRICE_DIFFERENCE: ("±", t.price_differences),
        Section.CONSIGNMENT: ("+", t.consignment),
        Section.CREDIT: ("−", t.credits),
    }
    for section in SECTION_ORDER:
        op, amount = figures[section]
        zh, en = SECTION_TITLES[section]
        rows.append((op, zh, en, counts[section], layout.money(amount)))
    return rows


def _stamp(value: Any) -> str:
    zone = get_analytics_settings().zone
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def statement_html(doc: StatementDocument) -> str:
    status_zh, status_en = STATUS_TITLES.get(doc.status, (doc.status, doc.status))
    kind_zh, kind_en = KIND_TITLES.get(doc.kind, (doc.kind, doc.kind))
    dates = [("生成 Generated", _stamp(doc.generated_at))]
    for label, value in (
        ("出具 Issued", doc.issued_at),
        ("确认 Confirmed", doc.confirmed_at),
        ("异议 Disputed", doc.disputed_at),
        ("结算 Settled", doc.settled_at),
    ):
        if value is not None:
            dates.append((label, _stamp(value)))
    head_zh, head_en = layout.header_lines()
    template = _env.get_template("statement.html")
    return template.render(
        doc=doc,
        status_zh=status_zh,
        status_en=status_en,
        kind_zh=kind_zh,
        kind_en=kind_en,
        dates=dates,
        printed=_stamp(doc.printed_at),
        summary=_summary(doc),
        comments=[
            {"side": c.side, "who": f"{_stamp(c.created_at)} · {c.author}", "action": c.action, "body": c.body}
            for c in doc.comments
        ],
        closing=layout.money(doc.totals.closing),
        settled=layout.money(doc.settled_amount),
        head_zh=head_zh,
        head_en=head_en,
        pages=_pages(_rows(doc)),
    )


def statement_pdf(doc: StatementDocument) -> bytes:
    """Render synchronously (CPU-bound: call it off the event loop)."""
    return HTML(string=statement_html(doc), base_url=str(TEMPLATES)).write_pdf()
