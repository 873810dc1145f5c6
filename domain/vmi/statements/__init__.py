"""Reconciliation statements of VMI suppliers: per supplier per month (and any range on demand),
traceable to the ledger, confirmed or disputed by the supplier, settled by finance.

The month-end job (`ims.vmi.month_end`) calls `generate_month_end_statements`."""

from domain.vmi.statements.generation import generate_statement
from domain.vmi.statements.monthend import MonthEndResult, generate_month_end_statements

__all__ = ["MonthEndResult", "generate_month_end_statements", "generate_statement"]
