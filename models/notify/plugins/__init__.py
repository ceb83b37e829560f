"""Our Apprise plugins (``outbox://``, ``zalo://``), registered with Apprise's plugin manager on import.

They are ``NotifyBase`` subclasses like Apprise's own: Apprise parses and checks their URLs, refuses an incomplete
one when a route file loads, and prints them with secrets masked (``url(privacy=True)``). Apprise's JSON webhook
(``json://``, ``jsons://``) is replaced by its subclass that keeps connections alive (plugins/webhook.py).
"""

from __future__ import annotations

from apprise.manager_plugins import NotificationManager

from cchc_flow.models.notify.plugins.outbox import NotifyOutbox
from cchc_flow.models.notify.plugins.webhook import NotifyWebhookJSON
from cchc_flow.models.notify.plugins.zalo import NotifyZalo

PLUGINS = (NotifyOutbox, NotifyZalo)  # our own schemas
SCHEMAS = frozenset(str(p.secure_protocol or p.protocol) for p in PLUGINS)

_MANAGER = NotificationManager()  # Apprise's plugin manager (one per process)
for _plugin in (*PLUGINS, NotifyWebhookJSON):
    _schema = str(_plugin.secure_protocol or _plugin.protocol)
    if _schema not in _MANAGER or _MANAGER[_schema] is not _plugin:
        _MANAGER.add(_plugin, force=True)
