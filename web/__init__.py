"""The web portal: units report what they owe, the coordinator accepts and watches, auditors read.

Server-rendered pages (FastAPI + Jinja2) over the same functions as the CLI (models/services/actions.py, models/services/periodic.py,
flows/phase.py, flows/review.py, models/store/history_query.py, models/store/audit.py); started by `cchc serve`.
"""
