"""Known secrets planted in the route URLs (an SMTP password, a webhook password, a Zalo and a Telegram bot token)
never come out anywhere: our logs and Prefect's run logs, every table, the review reports, the outbox, artifacts,
CLI output and error messages. Files the outbox and the attachments keep are owner-only."""

from __future__ import annotations

import asyncio
import os
import re
import stat
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest
from endpoints import HttpRecorder, SmtpRecorder
from faults import PLAN, dump

pytestmark = pytest.mark.usefixtures("prefect_api")

MAIL_PASSWORD = "Mail-Pw-5ecret-8841"
JSON_PASSWORD = "Json-Pw-5ecret-3317"
ZALO_TOKEN = "zaloBotSecretToken9931"
TELEGRAM_TOKEN = "AAHtelegramSecret-7720x"
SECRETS = (MAIL_PASSWORD, JSON_PASSWORD, ZALO_TOKEN, TELEGRAM_TOKEN)


def routes_file(path: Path, ok: HttpRecorder, failing: HttpRecorder, smtp: SmtpRecorder) -> Path:
    """VPB by email (with its password); TTKT by Zalo; T5G by Telegram (answers 'not ok'); TCCB's webhook answers
    500; every other unit on a json webhook with a password."""
    lines = [
        "version: 1",
        "urls:",
        f"  - mailto://cchc:{MAIL_PASSWORD}@127.0.0.1:{smtp.port}?from=cchc@byt.gov.vn&to=vanthu@vpb.byt.gov.vn:",
        "      tag: unit-vpb",
        f"  - zalo://{ZALO_TOKEN}/nhom-ttkt:",
        "      tag: unit-ttkt",
        f"  - tgram://123456789:{TELEGRAM_TOKEN}/-100200300:",
        "      tag: unit-t5g",
        f"  - json://cchc:{JSON_PASSWORD}@127.0.0.1:{failing.port}/tccb:",
        "      tag: unit-tccb",
    ]
    for code, tag in (
        ("VPDU", "unit-vpdu"),
        ("SKDS", "unit-skds"),
        ("GDXH", "unit-gdxh"),
        ("VCL", "unit-vcl"),
        ("LDB", "leadership-byt"),
    ):
        lines += [f"  - json://cchc:{JSON_PASSWORD}@127.0.0.1:{ok.port}/{code.lower()}:", f"      tag: {tag}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def prefect_outputs() -> list[str]:
    """Every log line and artifact the Prefect API holds for this session."""
    from prefect.client.orchestration import get_client
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=10)

    async def read() -> list[str]:
        async with get_client() as client:
            logs = await client.read_logs(limit=200)
            out = [f"{log.name} {log.message}" for log in logs]
            offset = 200
            while len(logs) == 200:
                logs = await client.read_logs(limit=200, offset=offset)
                out += [f"{log.name} {log.message}" for log in logs]
                offset += 200
            out += [f"{a.key} {a.description} {a.data}" for a in await client.read_artifacts()]
            runs = await client.read_flow_runs()
            out += [f"{r.name} {r.parameters} {r.state.message if r.state else ''}" for r in runs]
            return out

    return asyncio.run(read())


def home_files(home: Path) -> list[str]:
    """The text of every file under CCHC_HOME: outbox messages, reports (Markdown and Word), attachments."""
    out = []
    for path in sorted(p for p in home.rglob("*") if p.is_file() and p.suffix != ".db" and "-wal" not in p.name):
        data = path.read_bytes()
        if path.suffix == ".docx":
            with zipfile.ZipFile(path) as z:
                data = b"".join(z.read(n) for n in z.namelist())
        out.append(f"{path.name}: " + data.decode("utf-8", "replace"))
    return out


def test_planted_secrets_appear_nowhere(
    loaded, tokens, cli, tmp_path, cchc_env, monkeypatch, caplog, library_logs
) -> None:  # type: ignore[no-untyped-def]
    import apprise.plugins.telegram as telegram

    caplog.set_level("DEBUG")
    outputs: list[str] = []
    ok, failing, bad_bot = HttpRecorder(), HttpRecorder(behaviour="fail500"), HttpRecorder(behaviour="not_ok")
    with ok, failing, bad_bot, SmtpRecorder(credentials=("cchc", MAIL_PASSWORD)) as smtp:
        monkeypatch.setattr(telegram.NotifyTelegram, "notify_url", f"{bad_bot.url}/bot")  # Telegram, locally
        monkeypatch.setenv("CCHC_ZALO_API_URL", ok.url)
        monkeypatch.setenv("CCHC_NOTIFY_CONFIG", str(routes_file(tmp_path / "kenh.yaml", ok, failing, smtp)))
        monkeypatch.setenv("CCHC_NOTIFY_RETRY_DELAYS", "")
        monkeypatch.setenv("CCHC_NOTIFY_TIMEOUT", "3")

        def run(*args, token: str | None = None, expect: int | None = 0) -> None:  # type: ignore[no-untyped-def]
            result = cli(*args, token=token, expect=expect)
            outputs.extend([result.stdout, result.stderr, repr(result.exception)])

        run("phase", "run", PLAN, "1", "--as-of", "2013-10-01")
        evidence = tmp_path / "bien-ban.pdf"
        evidence.write_bytes(b"%PDF-1.4 bien ban")
        run(
            "activity",
            "done",
            "1.1.1",
            "--unit",
            "VPB",
            "--evidence",
            "Biên bản",
            "--attach",
            evidence,
            "--as-of",
            "2014-03-14",
            "--letter",
            "Công văn 5/VPB",
            token=tokens["VPB"],
        )
        run(
            "activity",
            "accept",
            "1.1.1",
            "--by",
            "VPB",
            "--as-of",
            "2014-03-20",
            "--letter",
            "Công văn 6/VPB",
            token=tokens["VPB"],
        )
        run(
            "report",
            "submit",
            "--unit",
            "TTKT",
            "--period",
            "2014-H1",
            "--file",
            evidence,
            "--as-of",
            "2014-06-10",
            "--letter",
            "Công văn 9/TTKT",
            token=tokens["VPB"],
        )
        run("phase", "run", PLAN, "1", "--as-of", "2015-01-05")
        run("review", "run", PLAN, "--phase", "1", "--as-of", "2015-01-06")
        run("notice", "list", PLAN)
        # the channels were reached: email (with its login), Zalo, Telegram, the webhooks
        assert smtp.messages and smtp.messages[0].login == "cchc"
        assert any(r.path.endswith("/sendMessage") for r in ok.requests) and bad_bot.requests and failing.requests
        # and a routes file that cannot be used is refused without showing its secrets
        broken = tmp_path / "hong.yaml"
        broken.write_text(
            f"version: 1\nurls:\n  - json://cchc:{JSON_PASSWORD}@127.0.0.1:notaport/x:\n"
            f"      tag: unit-vpb\n  - mailto://cchc:{MAIL_PASSWORD}@:\n      tag: unit-tccb\n"
            f"  - zalo://{ZALO_TOKEN}:\n      tag: unit-t5g\n",
            encoding="utf-8",
        )
        monkeypatch.setenv("CCHC_NOTIFY_CONFIG", str(broken))
        run("phase", "run", PLAN, "1", "--as-of", "2015-01-06", expect=2)
        assert "hong.yaml (CCHC_NOTIFY_CONFIG) có lỗi" in outputs[-2]

    # the libraries did log what would carry the secrets: the routes file's text, the bot's request line
    assert any("Loading raw configuration" in line for line in library_logs), library_logs[:20]
    assert any(re.search(r"POST /bot\S+/sendMessage", line) for line in library_logs), library_logs[:20]
    text = "\n".join(
        [
            *outputs,
            caplog.text,
            *library_logs,
            *prefect_outputs(),
            *home_files(cchc_env),
            *(row for rows in dump().values() for row in rows),
        ]
    )
    assert "mailto://cchc:****@127.0.0.1" in text and "zalo://****/nhom-ttkt" in text  # routes recorded, masked
    assert "BÁO CÁO SƠ KẾT" in text or "Sơ kết" in text  # the review report was searched too
    for secret in SECRETS:
        for form in {secret, quote(secret, safe="")}:
            assert form not in text, f"{secret!r} leaked"


def test_outbox_and_attachments_are_owner_only(loaded, tokens, cli, tmp_path, cchc_env) -> None:  # type: ignore[no-untyped-def]
    os.umask(0o022)  # a usual umask: group and others could read what is created with default modes
    from cchc_flow.models.store.db import get_engine

    with get_engine().begin() as conn:
        conn.exec_driver_sql("update activity set state = 'assigned' where key = '1.1.1'")
    f = tmp_path / "bien-ban.pdf"
    f.write_bytes(b"%PDF-1.4")
    cli("activity", "done", "1.1.1", "--unit", "VPB", "--evidence", "Biên bản", "--attach", f, token=tokens["VPB"])
    cli("report", "submit", "--unit", "TTKT", "--period", "2014-H1", "--file", f, token=tokens["TTKT"])
    checked = {"files": 0, "dirs": 0}
    for folder in ("outbox", "attachments", "submissions"):
        root = cchc_env / folder
        assert root.is_dir(), folder
        for path in [root, *root.rglob("*")]:
            mode = stat.S_IMODE(path.stat().st_mode)
            assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
            checked["dirs" if path.is_dir() else "files"] += 1
    assert stat.S_IMODE(cchc_env.stat().st_mode) == 0o700
    assert checked["files"] >= 3 and checked["dirs"] >= 5
