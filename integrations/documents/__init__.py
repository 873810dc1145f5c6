"""Documents rendered for people: reconciliation statements as PDF (weasyprint) and Excel."""

from integrations.documents.renderer import DocumentRenderer, statement_renderer

__all__ = ["DocumentRenderer", "statement_renderer"]
