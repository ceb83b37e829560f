"""What things are and the rules, in rooms from the bottom up: rules (pure), store (the record), notify
(notifications), services (use cases shared by the CLI, the portal and the flows), reports (what people print).
A room imports only from the rooms below it.
"""
