"""Prometheus metrics shared by the webhook, the worker and the LINE client (one registry per process)."""
from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

EVENTS_RECEIVED = Counter(
    "thongthin_events_received_total", "Webhook events accepted and enqueued", ["type"], registry=REGISTRY
)
EVENTS_DUPLICATE = Counter(
    "thongthin_events_duplicate_total", "Webhook events dropped as duplicates", registry=REGISTRY
)
EVENTS_PROCESSED = Counter(
    "thongthin_events_processed_total", "Events processed by a worker", ["type"], registry=REGISTRY
)
EVENTS_FAILED = Counter(
    "thongthin_events_failed_total", "Event processing attempts that raised", ["type"], registry=REGISTRY
)
EVENTS_DEAD = Counter(
    "thongthin_events_dead_lettered_total", "Events given up after max attempts", registry=REGISTRY
)
UNKNOWN_EVENTS = Counter(
    "thongthin_events_unknown_total", "Events the SDK could not parse (kept raw)", registry=REGISTRY
)
PROCESSING_SECONDS = Histogram(
    "thongthin_event_processing_seconds",
    "Time from dequeue to done for one event",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
LINE_API_CALLS = Counter(
    "thongthin_line_api_calls_total", "Calls to the LINE Messaging API", ["endpoint", "status"], registry=REGISTRY
)
