"""Prometheus instruments of the JT/T 808 intake, in the library's default registry (exposed by
``lanyan serve``'s /metrics, or ``--metrics-port`` of ``lanyan jt808 serve``). Counted per
committed batch, after the commit."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

POSITIONS = Counter(
    "lanyan_vehicle_positions",
    "Vehicle positions (JT/T 808 0x0200/0x0704) durably held, counted after the commit; a "
    "retransmission, stored once, is counted again",
)
BATCH_SIZE = Histogram(
    "lanyan_vehicle_batch_size",
    "JT/T 808 messages per group-commit transaction of the vehicle gateway's writer",
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000),
)
