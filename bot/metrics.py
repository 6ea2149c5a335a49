"""Prometheus metrics: what operators watch (counts only, never who)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

UPDATES = Counter("diaspora_updates_total", "Events handled, by platform and command",
                  ["platform", "command"])
REPLIES = Counter("diaspora_replies_total", "Replies and toasts returned to adapters",
                  ["platform"])
DELIVERIES = Counter("diaspora_deliveries_total", "Outbox deliveries by outcome",
                     ["platform", "status"])
OUTBOX_DEPTH = Gauge("diaspora_outbox_depth", "Deliveries waiting to be sent")
PROCESSES = Gauge("diaspora_processes",
                  "Bot processes sharing the database, as this one counted at its last heartbeat")
SCHEDULE_LAG = Histogram("diaspora_schedule_lag_seconds",
                         "How late scheduled items ran after their due time",
                         buckets=(0.1, 0.5, 1, 2, 5, 15, 60, 300, 3600, float("inf")))
SCHEDULE_RUNS = Counter("diaspora_schedule_items_total", "Scheduled items by outcome",
                        ["kind", "status"])


def command_label(name: str) -> str:
    """A bounded label for a command name (user input never becomes a label)."""
    cleaned = name.lower()[:32]
    return cleaned if cleaned.replace("_", "").replace(" ", "").isalnum() else "other"
