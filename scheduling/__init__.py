"""The persistent schedule (APScheduler rebuilt from rows) and durable delivery (the outbox)."""
