"""Prefect flows and tasks: phase, review, periodic reports and delivery. How runs are named, started and deployed
lives in flows/running/."""
