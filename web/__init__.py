"""The web portal: units report what they owe, the coordinator accepts and watches, auditors read.

Server-rendered pages (FastAPI + Jinja2) over the same functions as the CLI (models/actions.py, models/periodic.py,
flows/phase.py, flows/review.py, models/history_query.py, models/audit.py); started by `cchc serve`.
"""
