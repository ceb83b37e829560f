"""Notifications: queued as records once per idempotency key, and sent through Apprise to each unit's routes."""
