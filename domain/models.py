"""Import every context's tables so Alembic and tests see one complete metadata."""

from domain.catalog import models as catalog_models
from domain.db import Base
from domain.org import models as org_models
from domain.planning import models as planning_models
from domain.stock import models as stock_models

__all__ = ["Base", "catalog_models", "org_models", "planning_models", "stock_models"]
