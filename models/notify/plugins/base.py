"""What our Apprise plugins share: the URL they print names the route in the record."""

from __future__ import annotations

from apprise import NotifyFormat
from apprise.plugins.base import NotifyBase


class RoutePlugin(NotifyBase):
    """A plain-text plugin whose URL shows only the options that differ from a plugin's defaults.

    Deliveries are recorded under ``url(privacy=True)``: a route keeps one name, so the defaults Apprise's own
    plugins print (``overflow=upstream&format=text&retry=0...``) are left out.
    """

    notify_format = NotifyFormat.TEXT

    def _options(self, privacy: bool) -> str:
        """The query string of the options set on this route ('' when none), with its '?'."""
        defaults = RoutePlugin(asset=self.asset).url_parameters(privacy=privacy)
        params = {k: v for k, v in self.url_parameters(privacy=privacy).items() if defaults.get(k) != v}
        return f"?{self.urlencode(params)}" if params else ""
