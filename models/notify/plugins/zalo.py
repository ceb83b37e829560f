"""``zalo://{bot_token}/{chat_id}``: the Zalo Bot API ``sendMessage`` call.

``POST {base}/bot{token}/sendMessage`` with ``chat_id`` and ``text``; ``base`` is the settings' Zalo Bot API URL
(CCHC_ZALO_API_URL), read when sending. Apprise gained its own Zalo plugin in 2.1, which Prefect 3.9
does not allow yet. Text over 2,000 characters is sent in parts, split at line breaks where possible.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import requests
from apprise import AppriseAttachment, NotifyType
from apprise.exception import AppriseImproperlyConfigured
from apprise.locale import gettext_lazy as _
from apprise.url import PrivacyMode
from apprise.utils.parse import validate_regex

from cchc_flow.models.notify import http
from cchc_flow.models.notify.plugins.base import RoutePlugin
from cchc_flow.settings import get_settings

# Zalo Bot API limit for one sendMessage text.
ZALO_MAX_CHARS = 2000

_PART_RE = (r"^[^\s/?#]+$", "")


class NotifyZalo(RoutePlugin):
    """Send a message to one Zalo chat through a Zalo bot."""

    service_name = "Zalo Bot"  # type: ignore[assignment]  # Apprise's base: = None
    service_url = "https://bot.zaloplatforms.com/"  # type: ignore[assignment]  # Apprise's base: = None
    secure_protocol = "zalo"  # type: ignore[assignment]  # Apprise's base: = None
    body_maxlen = ZALO_MAX_CHARS
    templates = ("{schema}://{bot_token}/{chat_id}",)  # type: ignore[assignment]  # Apprise's base: = None
    template_tokens = dict(
        RoutePlugin.template_tokens,
        bot_token={"name": _("Bot Token"), "type": "string", "private": True, "required": True, "regex": _PART_RE},
        chat_id={"name": _("Chat ID"), "type": "string", "required": True, "regex": _PART_RE},
    )

    def __init__(self, bot_token: str | None = None, chat_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bot_token = validate_regex(bot_token, *_PART_RE)
        self.chat_id = validate_regex(chat_id, *_PART_RE)
        if not self.bot_token or not self.chat_id:
            message = "A Zalo route needs a bot_token and a chat_id (the form is bot_token/chat_id)."
            self.logger.warning(message)
            raise AppriseImproperlyConfigured(message)

    @property
    def url_identifier(self) -> tuple[str, str]:  # type: ignore[override]  # as Apprise's own plugins do
        return (self.secure_protocol, self.bot_token)

    def url(self, privacy: bool = False, *args: Any, **kwargs: Any) -> str:
        token = self.pprint(self.bot_token, privacy, mode=PrivacyMode.Secret, safe="")
        return f"{self.secure_protocol}://{token}/{self.quote(self.chat_id, safe='')}{self._options(privacy)}"

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
            path = RoutePlugin.split_path(results["fullpath"])
            results["bot_token"] = RoutePlugin.unquote(results["host"] or "")
            results["chat_id"] = path[0] if path else results["qsd"].get("to")
        return results

    def send(
        self,
        body: str,
        title: str = "",
        notify_type: NotifyType = NotifyType.INFO,
        attach: AppriseAttachment | None = None,
        **kwargs: Any,
    ) -> bool:
        if attach:
            self.logger.info("zalo:// sends text only; %d attachment(s) not sent.", len(attach))
        endpoint = f"{get_settings().zalo_api_url}/bot{self.bot_token}/sendMessage"
        chunks = split_text(f"{title}\n{body}" if title else (body or ""))
        for index, chunk in enumerate(chunks, start=1):
            part = f" (part {index}/{len(chunks)})" if len(chunks) > 1 else ""
            self.throttle()
            try:
                response = http.request(
                    "POST",
                    endpoint,
                    json={"chat_id": self.chat_id, "text": chunk},
                    headers={"User-Agent": "cchc-flow"},
                    timeout=self.request_timeout,
                    verify=self.verify_certificate,
                )
            except requests.RequestException as exc:
                detail = self._without_token(f"{type(exc).__name__}: {exc}")  # the exception quotes the request's URL
                self.logger.warning("Zalo Bot API request failed for chat %s%s: %s", self.chat_id, part, detail)
                return False
            if not _accepted(response):
                self.logger.warning(
                    "Failed to send Zalo notification to chat %s%s: HTTP %s %s",
                    self.chat_id,
                    part,
                    response.status_code,
                    self._without_token(_description(response)),
                )
                return False
        self.logger.info("Sent Zalo notification to chat %s (%d message(s)).", self.chat_id, len(chunks))
        return True

    def _without_token(self, text: str) -> str:
        for form in (self.bot_token, quote(self.bot_token, safe="")):
            text = text.replace(form, self.pprint(form, True, mode=PrivacyMode.Secret))
        return text


def _payload(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _accepted(response: requests.Response) -> bool:
    """The Bot API answers 200 with ``{"ok": true, ...}`` when it took the message."""
    payload = _payload(response)
    return response.status_code == 200 and isinstance(payload, dict) and payload.get("ok") is True


def _description(response: requests.Response) -> str:
    """Why the Bot API refused a message, in its own words."""
    payload, description = _payload(response), ""
    if isinstance(payload, dict):
        description = str(payload.get("description") or payload.get("message") or "")
        code = payload.get("error_code")
        if code is not None:
            description = f"error_code={code} {description}".strip()
    return description or (response.reason or "")


def split_text(text: str, limit: int = ZALO_MAX_CHARS) -> list[str]:
    """Split ``text`` into chunks of at most ``limit`` characters: at line breaks, else spaces, else anywhere."""
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = window.rfind("\n")
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut < limit // 2:
            cut = limit
        chunk = rest[:cut].rstrip()
        if chunk:
            chunks.append(chunk)
        rest = rest[cut:].lstrip("\n ")
    if rest.strip() or not chunks:
        chunks.append(rest)
    return chunks
