"""The web foundation shared by the supplier portal (/portal) and the store console (/console).

Page authors use:
    from portal.web import Page, view, public_view, NavItem, NotFound, Forbidden, BadRequest, form_errors
See docs/portal.md."""

from portal.web.errors import BadRequest, Forbidden, NotFound, PageError
from portal.web.i18n import gettext
from portal.web.page import IDEMPOTENCY_FIELD, NavItem, Page, Pagination, form_errors, public_view, view

_ = gettext

__all__ = [
    "IDEMPOTENCY_FIELD",
    "BadRequest",
    "Forbidden",
    "NavItem",
    "NotFound",
    "Page",
    "PageError",
    "Pagination",
    "_",
    "form_errors",
    "gettext",
    "public_view",
    "view",
]
