"""``json://`` and ``jsons://``: Apprise's JSON webhook, sent over the process's kept-alive connections.

The same plugin as Apprise's own (a subclass: the same URL form, options, checks and masking) whose ``send`` posts
the same request through ``models/notify/http.py`` instead of ``requests.request()``, which would open a new
connection and read the whole environment twice for every message. Registered in place of Apprise's for both schemas.
"""

from __future__ import annotations

import logging
from json import dumps
from typing import Any

import requests
from apprise import AppriseAttachment, NotifyType
from apprise.exception import AppriseException
from apprise.plugins.custom_json import JSONPayloadField, NotifyJSON
from apprise.utils.sanitize import sanitize_payload

from cchc_flow.models.notify import http


class NotifyWebhookJSON(NotifyJSON):
    """Apprise's JSON webhook (``json://``, ``jsons://``) over kept-alive connections."""

    def _payload(self, body: str, title: str, notify_type: NotifyType, attach: AppriseAttachment | None) -> Any:
        """The JSON document Apprise's plugin posts; None when an attachment cannot be read (logged)."""
        attachments = []
        for no, attachment in enumerate((attach or []) if self.attachment_support else [], start=1):
            try:
                if not attachment:
                    raise AppriseException("not accessible")
                attachments.append(
                    {
                        "filename": attachment.name if attachment.name else f"file{no:03}.dat",
                        "base64": attachment.base64(),
                        "mimetype": attachment.mimetype,
                    }
                )
            except AppriseException:
                self.logger.error(f"Could not access Custom JSON attachment {attachment.url(privacy=True)}.")
                return None
        payload: dict[str, Any] = {
            JSONPayloadField.VERSION: self.json_version,
            JSONPayloadField.TITLE: title,
            JSONPayloadField.MESSAGE: body,
            JSONPayloadField.ATTACHMENTS: attachments,
            JSONPayloadField.MESSAGETYPE: notify_type.value,
        }
        for key, value in self.payload_extras.items():
            if key not in payload:
                payload[key] = value
            else:  # renamed (as Apprise does it: a field renamed to itself goes) or left out
                if value:
                    payload[value] = payload[key]
                del payload[key]
        return payload

    def send(
        self,
        body: str,
        title: str = "",
        notify_type: NotifyType = NotifyType.INFO,
        attach: AppriseAttachment | None = None,
        **kwargs: Any,
    ) -> bool:
        payload = self._payload(body, title, notify_type, attach)
        if payload is None:
            return False
        headers = {"User-Agent": self.app_id, "Content-Type": "application/json", **self.headers}
        url = f"{'https' if self.secure else 'http'}://{self.host}"
        if isinstance(self.port, int):
            url += f":{self.port}"
        url += self.fullpath
        if self.logger.isEnabledFor(logging.DEBUG):
            self.logger.debug(f"JSON POST URL: {url} (cert_verify={self.verify_certificate!r})")
            self.logger.debug("JSON Payload: %s", sanitize_payload(payload))
        self.throttle()
        try:
            r = http.request(
                str(self.method),
                url,
                data=dumps(payload),
                params=self.params,
                headers=headers,
                auth=(self.user, self.password) if self.user else None,
                verify=self.verify_certificate,
                timeout=self.request_timeout,
                allow_redirects=self.redirects,
            )
        except requests.RequestException as e:
            self.logger.warning(f"A Connection error occurred sending JSON notification to {self.host}.")
            self.logger.debug(f"Socket Exception: {e!s}")
            return False
        if r.status_code < 200 or r.status_code >= 300:
            status_str = NotifyJSON.http_response_code_lookup(r.status_code)
            self.logger.warning(
                "Failed to send JSON %s notification: %s%serror=%s.",
                self.method,
                status_str,
                ", " if status_str else "",
                r.status_code,
            )
            self.logger.debug("Response Details:\r\n%r", (r.content or b"")[:2000])
            return False
        self.logger.info("Sent JSON %s notification.", self.method)
        return True
