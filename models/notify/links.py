"""The personal sign-in links put in the units' messages, and the keys that sign them (the portal derives its
cookie key from the current one): itsdangerous with a salt of their own, over the current key and those rotated out
but still accepted."""

from __future__ import annotations

import hashlib
import os
import secrets
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

import itsdangerous
import pendulum

from cchc_flow.models.rules.messages import t
from cchc_flow.settings import get_settings


class LinkRefused(ValueError):
    """A sign-in link that is forged (or signed with a key no longer accepted, or for another use), malformed or
    expired; the message says which."""


LINK_SALT = "cchc-flow.sign-in-link"  # links are signed for this use only: no other signed value passes for one


def signing_key() -> bytes:
    """The signing key: CCHC_SECRET, else a random key kept in CCHC_HOME/secret.key (0600)."""
    settings = get_settings()
    if settings.secret is not None:
        return settings.secret.get_secret_value().encode()
    home = settings.home
    path = home / "secret.key"
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = home / f".secret.key.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
        try:
            os.link(tmp, path)  # the first writer wins; the others read its key
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_bytes()


def _previous_secrets() -> list[bytes]:
    """Keys rotated out but still accepted, oldest first: CCHC_HOME/secret.key.old (the file key renamed), then
    CCHC_SECRET_PREVIOUS's keys (listed newest first)."""
    old = get_settings().home / "secret.key.old"
    keys = [old.read_bytes()] if old.is_file() else []
    previous = get_settings().secret_previous
    text = previous.get_secret_value() if previous is not None else ""
    listed = [k.strip().encode() for k in text.split(",") if k.strip()]
    return keys + listed[::-1]


def _file_version(path: Path) -> tuple[int, int, int] | None:
    """What changes when a key file is written, replaced or removed."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=4)
def _signer_of(version: tuple[object, ...]) -> itsdangerous.Signer:
    """The signer over the keys as they are in ``version`` (the cache key: read only when it changes)."""
    return itsdangerous.Signer([*_previous_secrets(), signing_key()], salt=LINK_SALT, digest_method=hashlib.sha256)


def _link_signer() -> itsdangerous.Signer:
    """itsdangerous with the link salt over every key still accepted; the newest (the current key) signs. Built once
    per version of the keys (the settings' and the key files'), not for every link."""
    settings = get_settings()
    home = settings.home
    if settings.secret is None and not (home / "secret.key").exists():
        signing_key()  # the first link makes the key file
    keys = (settings.secret, settings.secret_previous)
    texts = tuple(k.get_secret_value() if k is not None else None for k in keys)
    return _signer_of((*texts, str(home), _file_version(home / "secret.key"), _file_version(home / "secret.key.old")))


def sign_link(unit: str, valid: timedelta = timedelta(days=14), now: datetime | None = None) -> str:
    """A personal sign-in value for ``unit``'s officer, valid for ``valid`` (put in the links of its messages):
    ``UNIT.EXPIRES.SIGNATURE``."""
    expires = int(((now or pendulum.now("UTC")) + valid).timestamp())
    return _link_signer().sign(f"{unit.upper()}.{expires}").decode()


def link_unit(value: str, now: datetime | None = None) -> str:
    """The unit a signed link is for; LinkRefused when it is forged (or signed with a key no longer accepted, or for
    another use), malformed or expired."""
    try:
        unit, expires = _link_signer().unsign(value.strip()).decode().rsplit(".", 1)
        expiry = int(expires)
    except (itsdangerous.BadSignature, ValueError, UnicodeError):
        raise LinkRefused(t("auth.forged")) from None
    if not unit or expiry < (now or pendulum.now("UTC")).timestamp():
        raise LinkRefused(t("auth.expired") if unit else t("auth.forged"))
    return unit
