"""Domain events written to a transactional outbox: the event row commits or rolls back with the
business change that caused it, so integrations never hear about something that did not happen."""

from domain.events.outbox import emit

__all__ = ["emit"]
