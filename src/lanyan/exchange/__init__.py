"""Data exchange (数据交换): outbound webhooks to other departments' systems, and inbound CAP 1.2
weather warnings (气象预警, :mod:`lanyan.exchange.cap` + :mod:`lanyan.exchange.cap_service`).

Domains emit events through :func:`lanyan.exchange.public.emit` in the writer's own transaction
(one row, never a network call); the relay in ``lanyan serve`` (or ``lanyan webhooks deliver``)
fans each event out to the subscriptions of its type and delivers them signed (HMAC-SHA256),
retrying with exponential backoff and marking a delivery failing after N attempts; every attempt
is logged."""
