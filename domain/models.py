"""Import every context's tables so Alembic and tests see one complete metadata."""

from domain.alerts import models as alerts_models
from domain.analytics import models as analytics_models
from domain.audit import models as audit_models
from domain.catalog import models as catalog_models
from domain.counting import models as counting_models
from domain.db import Base
from domain.events import models as events_models
from domain.identity import lockout as identity_lockout
from domain.identity import models as identity_models
from domain.integration import models as integration_models
from domain.masterdata import models as masterdata_models
from domain.org import models as org_models
from domain.planning import models as planning_models
from domain.purchasing import models as purchasing_models
from domain.reports import models as reports_models
from domain.sales import models as sales_models
from domain.stock import models as stock_models
from domain.transfers import models as transfers_models
from domain.vmi import models as vmi_models
from domain.vmi.statements import models as vmi_statement_models
from domain.workshop import models as workshop_models

__all__ = [
    "Base",
    "alerts_models",
    "analytics_models",
    "audit_models",
    "catalog_models",
    "counting_models",
    "events_models",
    "identity_lockout",
    "identity_models",
    "integration_models",
    "masterdata_models",
    "org_models",
    "planning_models",
    "purchasing_models",
    "reports_models",
    "sales_models",
    "stock_models",
    "transfers_models",
    "vmi_models",
    "vmi_statement_models",
    "workshop_models",
]
