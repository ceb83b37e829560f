"""One settings object: every CCHC_* variable in it, read again when the environment changes, secrets hidden,
unusable values refused with a sentence naming the variable, the README's table generated from it."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
import yaml

from cchc_flow.models.rules.messages import t
from cchc_flow.settings import (
    Settings,
    SettingsInvalid,
    env_name,
    get_settings,
    markdown_table,
    replace_table,
    use_settings,
)

REPO = Path(__file__).resolve().parent.parent
APP_FOLDERS = ("cchc_flow", "models", "flows", "cli", "web")


def app_sources() -> list[Path]:
    return [p for folder in APP_FOLDERS for p in sorted((REPO / folder).rglob("*.py"))]


def test_bad_values_are_refused_naming_the_variable_and_what_it_needs(cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CCHC_NOTIFY_WORKERS", "abc")
    err = cli("units", expect=2).stderr
    assert "CCHC_NOTIFY_WORKERS=abc không dùng được: cần một số nguyên từ 1 trở lên" in err, err
    assert "mặc định (128)" in err and "Traceback" not in err
    monkeypatch.delenv("CCHC_NOTIFY_WORKERS")
    monkeypatch.setenv("CCHC_LANG", "fr")
    err = cli("units", expect=2).stderr
    assert "CCHC_LANG=fr không dùng được: cần vi (tiếng Việt) hoặc en (tiếng Anh)" in err, err
    monkeypatch.setenv("CCHC_LANG", "en")  # a usable language words the other errors
    monkeypatch.setenv("CCHC_NOTIFY_RETRY_DELAYS", "2,-1")
    err = cli("units", expect=2).stderr
    assert "CCHC_NOTIFY_RETRY_DELAYS=2,-1 cannot be used: it needs numbers of seconds, none negative" in err, err
    monkeypatch.setenv("CCHC_NOTIFY_RETRY_DELAYS", "")  # empty: no retry, not an error
    assert get_settings().notify_retry_delays == ()


@pytest.mark.parametrize("field", list(Settings.model_fields))
def test_every_refusal_can_be_worded_in_both_languages(field: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv(env_name(field), "§ không phải giá trị")
    try:
        get_settings()
    except SettingsInvalid as exc:
        assert [p.name for p in exc.problems] == [env_name(field)]
        for lang in ("vi", "en"):
            text = exc.describe(lambda key, lang=lang, **v: t(key, lang=lang, **v))
            assert env_name(field) in text and "{" not in text


def test_locale_forms_of_the_language_are_read(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for value, lang in (("EN", "en"), ("en_US.UTF-8", "en"), ("vi_VN", "vi"), ("", "vi")):
        monkeypatch.setenv("CCHC_LANG", value)
        assert get_settings().lang == lang


def test_secrets_never_show(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    secrets = {
        "CCHC_TOKEN": "cchc_tok_SECRET1",
        "CCHC_SECRET": "signing-SECRET2",
        "CCHC_SIGN_PASSPHRASE": "pass-SECRET3",
        "CCHC_DATABASE_URL": "postgresql+psycopg://cchc:pw-SECRET4@127.0.0.1:5432/cchc",
    }
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    s = get_settings()
    shown = repr(s) + str(s) + s.model_dump_json() + s.database_shown
    assert not re.search(r"SECRET\d", shown), shown
    assert s.token and s.token.get_secret_value() == "cchc_tok_SECRET1"
    assert s.database.endswith("pw-SECRET4@127.0.0.1:5432/cchc")
    monkeypatch.setenv("CCHC_NOTIFY_WORKERS", "x")  # an error lists the others' names, never their values
    with pytest.raises(SettingsInvalid) as exc:
        get_settings()
    assert "SECRET" not in str(exc.value) + exc.value.describe(t)


def test_the_environment_is_read_again_when_it_changes(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first = get_settings()
    assert get_settings() is first  # unchanged environment: the same object, not built again
    monkeypatch.setenv("CCHC_HOME", str(tmp_path / "later"))
    assert get_settings().home == tmp_path / "later" and get_settings().outbox == tmp_path / "later" / "outbox"
    monkeypatch.setenv("CCHC_PORTAL_URL", "")
    assert get_settings().portal_url is None


def test_use_settings_is_seen_by_every_thread_and_ends_with_its_block(tmp_path: Path) -> None:
    own = Settings(home=tmp_path / "own", notify_workers=3)
    before = get_settings()
    seen: list[Settings] = []
    with use_settings(own):
        worker = threading.Thread(target=lambda: seen.append(get_settings()))
        worker.start()
        worker.join()
        assert get_settings() is own and get_settings().outbox == tmp_path / "own" / "outbox"
    assert seen == [own] and get_settings() == before


def test_the_readme_table_is_generated_from_the_settings() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    table = "\n".join(line for line in section.splitlines() if line.startswith("|")) + "\n"
    assert table == markdown_table(), (
        "README's Settings table differs: run python -m cchc_flow.settings --readme README.md"
    )
    assert replace_table(readme) == readme
    assert len(markdown_table().splitlines()) == 2 + len(Settings.model_fields)


def test_every_cchc_variable_the_code_names_is_a_setting_and_only_settings_reads_the_environment() -> None:
    fields = {env_name(f) for f in Settings.model_fields}
    for path in app_sources():
        text = path.read_text(encoding="utf-8")
        named = set(re.findall(r"\bCCHC_[A-Z][A-Z_]*[A-Z]\b", text))
        assert named <= fields, f"{path.relative_to(REPO)}: {sorted(named - fields)} not in cchc_flow/settings.py"
        if path.name != "settings.py" or path.parent.name != "cchc_flow":
            for n, line in enumerate(text.splitlines(), 1):
                if re.search(r"os\.environ|getenv", line):
                    assert "CCHC_" not in line, f"{path.relative_to(REPO)}:{n} reads a CCHC_ variable: {line.strip()}"


def test_the_deployment_files_set_only_settings_that_exist() -> None:
    fields = {env_name(f) for f in Settings.model_fields}
    named: dict[str, set[str]] = {}
    for path in sorted((REPO / "deploy").rglob("*.env.example")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if re.match(r"^CCHC_\w+=", line):
                named.setdefault(line.split("=", 1)[0], set()).add(path.name)
    for line in (REPO / "deploy/Dockerfile").read_text(encoding="utf-8").splitlines():
        if m := re.match(r"^ENV (CCHC_\w+)=", line):
            named.setdefault(m[1], set()).add("Dockerfile")
    compose = yaml.safe_load((REPO / "deploy/compose.yaml").read_text(encoding="utf-8"))
    for name in compose["x-cchc"]["environment"]:
        if name.startswith("CCHC_"):
            named.setdefault(name, set()).add("compose.yaml")
    assert {"CCHC_HOME", "CCHC_DATABASE_URL", "CCHC_NOTIFY_CONFIG", "CCHC_PORTAL_URL"} <= set(named)
    assert {n: sorted(where) for n, where in named.items() if n not in fields} == {}
