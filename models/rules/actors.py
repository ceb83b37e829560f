"""Who acts where no token is needed: the names the history records for them."""

from __future__ import annotations

NO_TOKEN = "no-token"  # the actor of a step that needs no token (loading a plan, the first token)
DATABASE_OWNER = "database-owner"  # the actor of a recovery: whoever holds the database owner's access
SYSTEM_ACTOR = "cchc-flow"  # the actor of what a flow run decides
TOKENLESS = (NO_TOKEN, DATABASE_OWNER, SYSTEM_ACTOR)
