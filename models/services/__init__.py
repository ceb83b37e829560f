"""Use cases shared by the CLI, the portal and the flows: who may act, what they do, loading plans, follow-up."""
