"""GraphQL of alerts: alerts and their rules, the in-app inbox (a list and a WebSocket
subscription), notification targets and dead letters."""
