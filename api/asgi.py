"""ASGI entry point for uvicorn workers: `uvicorn api.asgi:app`."""

from api.app import create_app
from api.observability import configure_logging
from domain.settings import get_settings

configure_logging(get_settings().log_level)
app = create_app()
