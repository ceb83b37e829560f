"""``outbox://[unit]``: each message becomes one JSON file under $CCHC_HOME/outbox/ (folder 0700, files 0600).

The offline route of a fresh install. A message sent with a key (see ``key``) is written once: a repeat of the
same key finds its file and is not written again.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from apprise import AppriseAttachment, NotifyType
from apprise.exception import AppriseImproperlyConfigured
from apprise.locale import gettext_lazy as _
from apprise.utils.parse import validate_regex

from cchc_flow.models.notify.plugins.base import RoutePlugin
from cchc_flow.settings import get_settings

_UNIT_RE = (r"^[A-Za-z0-9_.-]+$", "")
_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class NotifyOutbox(RoutePlugin):
    """Write one message as a JSON file under $CCHC_HOME/outbox/ (read when sending)."""

    service_name = "CCHC outbox"  # type: ignore[assignment]  # Apprise's base: = None
    protocol = "outbox"  # type: ignore[assignment]  # Apprise's base: = None
    attachment_support = True  # the names of the attachments are written, not their content
    templates = ("{schema}://", "{schema}://{unit}")  # type: ignore[assignment]  # Apprise's base: = None
    template_tokens = dict(
        RoutePlugin.template_tokens,
        unit={"name": _("Unit"), "type": "string", "regex": _UNIT_RE},
    )

    def __init__(self, unit: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.unit = (unit or "").strip()
        if self.unit and not validate_regex(self.unit, *_UNIT_RE):
            message = "The outbox unit name may use only letters, digits, '.', '_' and '-'."
            self.logger.warning(message)
            raise AppriseImproperlyConfigured(message)
        # The message's key (set by the sender on its own copy of the route): its file is written once.
        self.key: str | None = None

    @property
    def url_identifier(self) -> tuple[str, str]:  # type: ignore[override]  # as Apprise's own plugins do
        return (self.protocol, self.unit)

    def url(self, privacy: bool = False, *args: Any, **kwargs: Any) -> str:
        return f"{self.protocol}://{self.quote(self.unit, safe='')}{self._options(privacy)}"

    def __len__(self) -> int:
        return 1

    @staticmethod
    def parse_url(  # type: ignore[override]  # fewer options than URLBase's, as Apprise's own plugins have
        url: str,
        verify_host: bool = False,
        plus_to_space: bool = False,
    ) -> dict[str, Any] | None:
        results = RoutePlugin.parse_url(url, verify_host=False, plus_to_space=plus_to_space)
        if results:
            results["unit"] = RoutePlugin.unquote(results["host"] or "")
        return results

    def send(
        self,
        body: str,
        title: str = "",
        notify_type: NotifyType = NotifyType.INFO,
        attach: AppriseAttachment | None = None,
        **kwargs: Any,
    ) -> bool:
        now = datetime.now(UTC)
        folder = get_settings().outbox
        key = self.key if self.key and _KEY_RE.match(self.key) else None
        if key and folder.is_dir() and any(folder.glob(f"*-{self.unit or 'all'}-{key}.json")):
            self.logger.info("Outbox message %s was written before; not written again.", key)
            return True
        stem = "-".join(
            p
            for p in (
                now.strftime("%Y%m%dT%H%M%S%fZ"),
                self.unit or ("all" if key else ""),
                key or uuid.uuid4().hex[:8],
            )
            if p
        )
        record = {
            "created_at": now.isoformat(),
            "unit": self.unit or None,
            "tags": sorted(str(t) for t in self.tags),
            "notify_type": getattr(notify_type, "value", str(notify_type)),
            "key": key,
            "title": title or "",
            "body": body or "",
            "attachments": [_name(item) for item in attach or []],
        }
        data = (json.dumps(record, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        try:
            final = _write_private(folder, stem, data)
        except OSError as exc:
            self.logger.warning("Could not write outbox message in %s: %s", folder, exc.strerror or exc)
            return False
        self.logger.info("Wrote outbox message %s", final.name)
        return True


def _name(item: Any) -> str:
    """The name an attachment is sent under."""
    return getattr(item, "name", None) or os.path.basename(str(getattr(item, "path", "") or "")) or "attachment"


def _write_private(folder: Path, stem: str, data: bytes) -> Path:
    """Write ``data`` as ``folder/stem.json``, owner-only; readers never see a half-written message."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    final = folder / f"{stem}.json"
    temp = folder / f".{stem}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    os.replace(temp, final)
    return final
