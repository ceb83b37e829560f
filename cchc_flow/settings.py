"""Every CCHC_* environment variable, in one pydantic-settings object: its default, type and meaning.

get_settings()                    # the settings in force: those use_settings() made active, else the environment's
Settings(home=..., ...)           # settings built from explicit values, the environment filling in the rest
with use_settings(s): ...         # everything in this process reads ``s`` (the demo runs on its own home this way)
python -m cchc_flow.settings --markdown   # the README's Settings table, generated from the fields below

The environment is read again when one of its CCHC_* variables changed since the last call (tests change it between
calls), otherwise the settings built last are handed back. Unusable values raise SettingsInvalid, which names each
variable and says what it needs; secrets are SecretStr, so that they never show in a repr, a log or an error.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

CONFIG_DIR = Path(str(resources.files("cchc_flow.config")))  # config/ in a checkout, package data when installed
DEFAULT_UNITS = CONFIG_DIR / "units.yaml"
DEFAULT_NOTIFY = CONFIG_DIR / "notify.example.yaml"
PREFIX = "CCHC_"
EMPTY_HAS_MEANING = {"portal_url", "notify_retry_delays", "sign_passphrase"}  # elsewhere an empty value: the default
_LANG = re.compile(r"^(vi|en)([_.@-].*)?$", re.IGNORECASE)  # vi, en, and locale forms such as en_US.UTF-8


def _shown(text: str) -> dict[str, Any]:
    """How the README shows a default that is not a plain value."""
    return {"shown": text}


class Settings(BaseSettings):
    """Where cchc-flow keeps its data, how it speaks and sends, and who acts: one field per CCHC_* variable."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, frozen=True, extra="ignore")

    home: Path = Field(
        default=Path("~/.local/share/cchc"),
        description="database, outbox, reports and attachments",
    )
    database_url: SecretStr | None = Field(
        default=None,
        description="any SQLAlchemy URL, e.g. `postgresql+psycopg://user@host:5432/cchc` (its password never shown)",
        json_schema_extra=_shown("`sqlite:///$CCHC_HOME/cchc.db`"),
    )
    lang: Literal["vi", "en"] = Field(default="vi", description="`en` for English messages")
    actor: str | None = Field(
        default=None,
        description="the name the person gives, kept beside the acting token's principal as unverified (never the "
        "actor)",
        json_schema_extra=_shown("login name"),
    )
    token: SecretStr | None = Field(
        default=None,
        description="the acting officer's access token (`cchc token issue`)",
        json_schema_extra=_shown("(asked for)"),
    )
    notify_config: Path = Field(
        default=DEFAULT_NOTIFY,
        description="the Apprise routes (YAML)",
        json_schema_extra=_shown("`config/notify.example.yaml`"),
    )
    notify_timeout: float = Field(
        default=10.0, gt=0, description="seconds per route before a delivery counts as failed"
    )
    notify_retry_delays: Annotated[tuple[float, ...], NoDecode] = Field(
        default=(2.0, 10.0),
        description="Prefect retry delays of the delivery task when a route failed (empty: no retry)",
        json_schema_extra=_shown("`2,10`"),
    )
    notify_workers: int = Field(default=128, ge=1, description="how many units are sent to at once")
    notify_digests: Literal["run", "morning"] = Field(
        default="run",
        description="`run`: each run sends its plan's messages at once; `morning`: each unit gets one morning digest a "
        "day across all plans (items a plan marks `urgent` still go out at once)",
    )
    quiet_hours: str = Field(
        default="17:30-07:30",
        pattern=r"^\s*(off|([01]?[0-9]|2[0-3]):[0-5][0-9]\s*-\s*([01]?[0-9]|2[0-3]):[0-5][0-9])\s*$",
        description="Vietnam time in which no message goes out, in every mode (held until they end; items a plan marks "
        "`urgent` excepted; `off`: none)",
    )
    days_off: bool = Field(
        default=True,
        description="no message on weekends and Vietnamese holidays, in every mode (held for the next working day; "
        "make-up Saturdays are working days)",
        json_schema_extra=_shown("`yes`"),
    )
    zalo_api_url: str = Field(
        default="https://bot-api.zaloplatforms.com",
        description="base URL of the Zalo Bot API (tests point it at 127.0.0.1)",
        json_schema_extra=_shown("Zalo Bot API"),
    )
    run_timeout: float = Field(
        default=600.0, gt=0, description='seconds "run now" waits for a run started through the work pool'
    )
    portal_url: str | None = Field(
        default="http://127.0.0.1:8080",
        description="the web portal the messages' sign-in links point to (empty: no link)",
    )
    portal_as_of: date | None = Field(
        default=None,
        description="the day the portal counts as today, for replays (`cchc serve --as-of` sets it for its worker "
        "processes)",
        json_schema_extra=_shown("today"),
    )
    pdf_font_dir: Path | None = Field(
        default=None,
        description="a folder holding the four .ttf files of the font the PDF reports are written in",
        json_schema_extra=_shown("(Times New Roman, Liberation Serif, DejaVu Serif)"),
    )
    sign_passphrase: SecretStr | None = Field(
        default=None,
        description="the passphrase of the certificate `cchc review sign` uses",
        json_schema_extra=_shown("(asked for)"),
    )
    secret: SecretStr | None = Field(
        default=None,
        description="the key that signs the portal's sessions and sign-in links",
        json_schema_extra=_shown("a random key kept in `$CCHC_HOME/secret.key`"),
    )
    secret_previous: SecretStr | None = Field(
        default=None,
        description="keys rotated out, comma-separated, newest first: the sign-in links they signed are still "
        'accepted, they sign nothing (README, "Web portal")',
        json_schema_extra=_shown("(none)"),
    )
    kill_at: str | None = Field(
        default=None,
        description="tests only: the named point of a run (models/store/killpoints.py) at which the process kills "
        "itself",
        json_schema_extra=_shown("(none)"),
    )

    @model_validator(mode="before")
    @classmethod
    def _empty_is_default(cls, data: Any) -> Any:
        """An empty (or blank) variable counts as unset, except where empty has a meaning of its own."""
        if isinstance(data, dict):
            return {
                k: v
                for k, v in data.items()
                if not (isinstance(v, str) and not v.strip() and k not in EMPTY_HAS_MEANING)
            }
        return data

    @field_validator("home", "notify_config", "pdf_font_dir", mode="after")
    @classmethod
    def _expand(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None

    @field_validator("lang", mode="before")
    @classmethod
    def _lang(cls, value: Any) -> Any:
        return language_of(value) or value

    @field_validator("notify_retry_delays", mode="before")
    @classmethod
    def _delays(cls, value: Any) -> Any:
        return tuple(x.strip() for x in value.split(",") if x.strip()) if isinstance(value, str) else value

    @field_validator("notify_retry_delays", mode="after")
    @classmethod
    def _delays_not_negative(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if any(x < 0 for x in value):
            raise ValueError("a delay is negative")
        return value

    @field_validator("zalo_api_url", mode="after")
    @classmethod
    def _no_slash(cls, value: str) -> str:
        return value.strip().rstrip("/")

    @field_validator("portal_url", mode="after")
    @classmethod
    def _portal(cls, value: str | None) -> str | None:
        return (value or "").strip().rstrip("/") or None

    @field_validator("token", mode="after")
    @classmethod
    def _strip_token(cls, value: SecretStr | None) -> SecretStr | None:
        return SecretStr(value.get_secret_value().strip()) if value is not None else None

    @property
    def database(self) -> str:
        """The SQLAlchemy URL to connect to (CCHC_DATABASE_URL, else the SQLite file in the home): may hold a
        password, so never print it (``database_shown`` is for people)."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite:///{self.home / 'cchc.db'}"

    @property
    def database_shown(self) -> str:
        """The database URL with its password hidden."""
        from sqlalchemy.engine import make_url  # deferred: `cchc --help` does without SQLAlchemy

        return make_url(self.database).render_as_string(hide_password=True)

    @property
    def outbox(self) -> Path:
        return self.home / "outbox"

    @property
    def reports(self) -> Path:
        return self.home / "reports"

    @property
    def attachments(self) -> Path:
        return self.home / "attachments"


def env_name(field: str) -> str:
    """The environment variable of a field: CCHC_ and its name in capitals."""
    return PREFIX + field.upper()


def language_of(value: Any) -> Literal["vi", "en"] | None:
    """ "vi" or "en" from a CCHC_LANG value (vi, EN, en_US.UTF-8 …); None when it is neither."""
    m = _LANG.match(str(value).strip()) if value is not None else None
    return "en" if m and m[1].lower() == "en" else "vi" if m else None


@dataclass(frozen=True)
class Problem:
    """One unusable variable: its name, its value as it may be shown (never a secret's), the field it sets."""

    name: str
    value: str
    field: str
    default: str


class SettingsInvalid(ValueError):
    """Some CCHC_* variables cannot be used; ``describe(t)`` words it in the user's language."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.name}={p.value}: unusable value" for p in problems))

    @classmethod
    def of(cls, exc: ValidationError) -> SettingsInvalid:
        problems = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else ""
            info = Settings.model_fields.get(field)
            if info is None:
                continue
            secret = "SecretStr" in repr(info.annotation)
            value = "****" if secret else str(os.environ.get(env_name(field), error.get("input", "")))
            problems.append(Problem(env_name(field), value, field, default_shown(field).replace("`", "")))
        return cls(problems)

    def describe(self, t: Callable[..., str]) -> str:
        """The problems as sentences through ``t`` (models/rules/messages.py's): each names its variable, the value,
        what it needs and the default."""
        return "\n".join(
            t(
                "settings.invalid",
                name=p.name,
                value=p.value,
                expected=t(f"settings.expect.{p.field}"),
                default=p.default,
            )
            for p in self.problems
        )


def default_shown(field: str) -> str:
    """A field's default as the README and the errors show it."""
    info = Settings.model_fields[field]
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    if "shown" in extra:
        return str(extra["shown"])
    default = info.default
    if isinstance(default, float) and default.is_integer():
        default = int(default)
    return f"`{default}`"


_active: list[Settings] = []  # use_settings(): a stack, the last one in force
_built: tuple[tuple[Any, ...], Settings | list[Problem]] | None = None  # the environment read last, its result
_NAMES = tuple(env_name(f) for f in Settings.model_fields)
# Whether the environment changed is asked on every call (each message asks for the language): CPython's own store of
# os.environ answers without encoding each name and value, 0.4 µs for all the names against 35 µs through os.environ
_STORE = getattr(os.environ, "_data", None)
_LOOKUP, _KEYS = (
    (_STORE.get, tuple(os.environ.encodekey(n) for n in _NAMES))
    if isinstance(_STORE, dict)
    else (os.environ.get, _NAMES)
)


def get_settings() -> Settings:
    """The settings in force: the innermost use_settings(), else the environment's (read again when one of its
    CCHC_* variables changed). SettingsInvalid when a variable cannot be used."""
    global _built
    if _active:
        return _active[-1]
    key = tuple(map(_LOOKUP, _KEYS))
    built = _built
    if built is None or built[0] != key:
        try:
            result: Settings | list[Problem] = Settings()
        except ValidationError as exc:
            result = SettingsInvalid.of(exc).problems
        built = _built = (key, result)
    if isinstance(built[1], list):
        raise SettingsInvalid(built[1])
    return built[1]


def build_settings(**overrides: Any) -> Settings:
    """Settings from explicit values, the environment filling in the rest; SettingsInvalid as get_settings()."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsInvalid.of(exc) from None


@contextmanager
def use_settings(settings: Settings) -> Iterator[Settings]:
    """Make ``settings`` the settings of this whole process (every thread) until the block ends."""
    _active.append(settings)
    try:
        yield settings
    finally:
        _active.remove(settings)


def configured_lang() -> str:
    """The language to speak, "vi" or "en" (CCHC_LANG), asked for each message. With settings that
    cannot be used (the error must still be worded), CCHC_LANG alone, else Vietnamese."""
    try:
        return get_settings().lang
    except SettingsInvalid:
        return language_of(os.environ.get(env_name("lang"))) or "vi"


def markdown_table() -> str:
    """The README's Settings table: one row per field, in the order of the class."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for field, info in Settings.model_fields.items():
        rows.append(f"| `{env_name(field)}` | {default_shown(field)} | {info.description} |")
    return "\n".join(rows) + "\n"


def main(argv: list[str]) -> int:
    """`python -m cchc_flow.settings --markdown`: print the table; `--readme README.md`: write it into that file."""
    if argv[:1] == ["--markdown"]:
        sys.stdout.write(markdown_table())
        return 0
    if argv[:1] == ["--readme"] and len(argv) == 2:
        path = Path(argv[1])
        path.write_text(replace_table(path.read_text(encoding="utf-8")), encoding="utf-8")
        return 0
    sys.stderr.write("usage: python -m cchc_flow.settings --markdown | --readme README.md\n")
    return 2


def replace_table(readme: str) -> str:
    """``readme`` with the table of its Settings section replaced by markdown_table()."""
    head, sep, rest = readme.partition("\n## Settings\n")
    if not sep:
        raise ValueError("no '## Settings' section")
    lines = rest.split("\n")
    first = next(i for i, line in enumerate(lines) if line.startswith("|"))
    last = next(i for i in range(first, len(lines)) if not lines[i].startswith("|"))
    return head + sep + "\n".join([*lines[:first], markdown_table().rstrip("\n"), *lines[last:]])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
