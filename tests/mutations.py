"""Proof of the README's Guarantees table: each protection is removed in a temporary copy of the repository and the
tests named for it are run; they must fail. Run by hand (not by pytest):

    .venv/bin/python tests/mutations.py                    # every removal, once
    .venv/bin/python tests/mutations.py --rounds 3         # three rounds in a row
    .venv/bin/python tests/mutations.py --only lease       # the removals whose name contains "lease"
    .venv/bin/python tests/mutations.py --list             # what would be removed, and which tests prove it

The working tree is never changed: its files (tracked and new, not ignored) are copied to a temporary folder, one
removal is applied there, and pytest runs the named test files in that copy (with -x: the first failure is enough).
The named tests are first run once on the unchanged copy: a removal is only "caught" by tests that pass without it.
Removals listed for PostgreSQL run with CCHC_TEST_POSTGRES=1 (a throwaway server, as in .ci/run).

Each entry of REMOVALS takes away one thing a row of the table rests on: a text of one file (found exactly once)
and what replaces it. A removal whose text is no longer found is reported "stale": update it with the code.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MEMORY = 4_000_000_000  # bytes of address space per pytest run: a removal that lets an alias bomb through fails, not
# the machine
SQLITE, POSTGRES = "sqlite", "postgresql"


@dataclass(frozen=True)
class Removal:
    """One protection taken away: ``old`` (exactly once in ``file``) becomes ``new``; ``tests`` must then fail."""

    row: str  # the Guarantees row it belongs to (its first words)
    name: str  # what is taken away
    file: str
    old: str
    new: str
    tests: tuple[str, ...]
    databases: tuple[str, ...] = (SQLITE,)


KILLED = "A phase run killed at any moment"
DOUBT = "What cannot be known is said"
FAILING = "A failing channel"
TWO_RUNS = "Two runs of one phase"
REPORT = "A unit's report during a run"
ACCESS = "Only the unit acts for itself"
BAD_INPUT = "Bad input is refused"
SECRETS = "Passwords and tokens"
BACKDATING = "A step counts for the day it happened"
ACTOR = "The recorded actor is the token that acted"
NO_INSERT_OVER = "No insert replaces a stored history row"
BOOTSTRAP = "Tokens cannot be bootstrapped twice"
HOSTILE_TEXT = "Terminal output cannot be hijacked"
CONCURRENCY = "tests/test_concurrency.py"

REMOVALS: list[Removal] = [
    # --- killed at any moment
    Removal(
        KILLED,
        "transitions committed before their notices are queued (two transactions)",
        "models/services/reconcile.py",
        "        new = queue(s, notices)\n",
        "        new = set()\n    with write_transaction(s):\n        new = queue(s, notices)\n",
        ("tests/test_reconcile.py", "tests/test_crash.py::test_killed_at_each_point_then_run_again"),
    ),
    Removal(
        KILLED,
        "the claim does not name its sender (no record of the attempt)",
        "models/notify/notices.py",
        "col(NotificationRow.claimed_by) == sender),\n                )\n"
        "                .values(claimed_by=sender, claimed_until=now + LEASE)",
        "col(NotificationRow.claimed_by) == sender),\n                )\n"
        "                .values(claimed_until=now + LEASE)",
        ("tests/test_crash.py",),
    ),
    Removal(
        KILLED,
        "answers recorded only once every unit has answered",
        "flows/delivery.py",
        "                wait(waiting, return_when=FIRST_COMPLETED)\n"
        "                answered, waiting = wait(waiting, timeout=RECORD_EVERY)",
        "                answered, waiting = wait(waiting)",
        ("tests/test_crash.py",),
    ),
    Removal(
        KILLED,
        "a claim whose process is gone is never known dead",
        "models/notify/senders.py",
        "    return pid != os.getpid() and not _process_alive(pid)",
        "    return False",
        ("tests/test_crash.py",),
    ),
    Removal(
        KILLED,
        "the lease never ends",
        "models/notify/notices.py",
        "if until is not None and until >= now and not known_dead(holder):",
        "if not known_dead(holder):",
        ("tests/test_claims.py",),
    ),
    Removal(
        KILLED,
        "the lease is not respected (another host's live claim is taken)",
        "models/notify/notices.py",
        "if until is not None and until >= now and not known_dead(holder):",
        "if False:",
        ("tests/test_claims.py",),
    ),
    # --- what cannot be known is said
    Removal(
        DOUBT,
        "what is in doubt is sent again",
        "flows/delivery.py",
        "if holder is not None and not repeat_is_harmless(route):",
        "if False:",
        ("tests/test_crash.py",),
    ),
    Removal(
        DOUBT,
        "the outbox writes a repeated key again",
        "models/notify/plugins/outbox.py",
        "if key and folder.is_dir() and any(folder.glob(f\"*-{self.unit or 'all'}-{key}.json\")):",
        "if False:",
        ("tests/test_crash.py",),
    ),
    # --- a failing channel
    Removal(
        FAILING,
        "no socket timeouts",
        "models/notify/sending.py",
        "    plugin.socket_connect_timeout = timeout\n    plugin.socket_read_timeout = timeout\n",
        "",
        ("tests/test_channels.py", "tests/test_failing_channels.py"),
    ),
    Removal(
        FAILING,
        "no deadline per attempt",
        "models/notify/sending.py",
        "finished, _ = wait(futures, timeout=deadline)",
        "finished, _ = wait(futures)",
        ("tests/test_channels.py::test_a_route_that_ignores_the_timeouts_is_cut_at_the_deadline",),
    ),
    Removal(
        FAILING,
        "a unit's routes sent one after the other",
        "models/notify/sending.py",
        "workers = min(len(plugins), MAX_WORKERS)",
        "workers = 1",
        ("tests/test_channels.py::test_the_routes_of_a_tag_are_sent_at_the_same_time",),
    ),
    Removal(
        FAILING,
        "units sent to one after the other",
        "flows/delivery.py",
        "return get_settings().notify_workers",
        "return 1",
        ("tests/test_failing_channels.py::test_units_are_sent_to_at_the_same_time",),
    ),
    # --- two runs at once
    Removal(
        TWO_RUNS,
        "a unit's morning digest not recorded before it is sent",
        "flows/digest.py",
        "if not _record_digest(s, code, today, ids, sender):",
        "if False:",
        ("tests/test_morning_digest.py",),
    ),
    Removal(
        TWO_RUNS,
        "SQLite's write lock not taken up front",
        "models/store/db.py",
        '"BEGIN IMMEDIATE" if conn.get_execution_options().get("cchc_write") else "BEGIN"',
        '"BEGIN"',
        (f"{CONCURRENCY}::test_the_record_step_waits_for_a_report_being_written_and_decides_on_it",),
    ),
    Removal(
        TWO_RUNS,
        "the record step does not lock the activities it records (PostgreSQL)",
        "models/services/reconcile.py",
        ".order_by(col(ActivityRow.id))\n                .with_for_update()",
        ".order_by(col(ActivityRow.id))",
        (f"{CONCURRENCY}::test_the_record_step_waits_for_a_report_being_written_and_decides_on_it",),
        (POSTGRES,),
    ),
    Removal(
        TWO_RUNS,
        "steps are not conditional on the state they start from",
        "models/services/activities.py",
        ".where(col(ActivityRow.id).in_([r.id for r in rows]), col(ActivityRow.state) == old)",
        ".where(col(ActivityRow.id).in_([r.id for r in rows]))",
        (f"{CONCURRENCY}::test_a_step_from_a_state_that_is_no_longer_stored_is_refused",),
        (SQLITE, POSTGRES),
    ),
    Removal(
        TWO_RUNS,
        "the history chain is not locked per plan (PostgreSQL)",
        "models/store/audit.py",
        '    if session.get_bind().dialect.name == "postgresql":\n        session.execute(\n'
        '            sa.text("SELECT pg_advisory_xact_lock(:space, :plan)")',
        '    if False:\n        session.execute(\n            sa.text("SELECT pg_advisory_xact_lock(:space, :plan)")',
        (f"{CONCURRENCY}::test_two_steps_written_at_once_join_the_history_chain_one_after_the_other",),
        (POSTGRES,),
    ),
    Removal(
        TWO_RUNS,
        "claims without compare-and-set",
        "models/notify/notices.py",
        "sa.or_(col(NotificationRow.claimed_by).is_(None), col(NotificationRow.claimed_by) == sender),",
        "sa.true(),",
        ("tests/test_claims.py",),
        (SQLITE, POSTGRES),
    ),
    # --- a unit's report during a run
    Removal(
        REPORT,
        "the run writes what its tasks decided, not what is stored",
        "models/services/reconcile.py",
        "            if stored[d.facts.key] == d.facts.state\n",
        "            if True\n",
        (f"{CONCURRENCY}::test_a_report_between_the_flows_read_and_its_write_is_kept",),
    ),
    # --- access
    Removal(
        ACCESS,
        "a unit may act for another unit",
        "models/services/access.py",
        "    if named and not principal.is_unit(named):",
        "    if False:",
        ("tests/test_access.py", "tests/test_actions.py"),
    ),
    Removal(
        ACCESS,
        "any unit decides as the coordinator",
        "models/services/access.py",
        "    if not principal.is_coordinator_of(plan):",
        "    if False:",
        ("tests/test_access.py", "tests/test_actions.py"),
    ),
    Removal(
        ACCESS,
        "an auditor is not told that auditors only read where the coordinator decides",
        "models/services/access.py",
        '    if principal.role == "auditor":\n        raise Refusal(plan.id, entity, key, state, t("auth.auditor", '
        "what=what))",
        '    if False:\n        raise Refusal(plan.id, entity, key, state, t("auth.auditor", what=what))',
        ("tests/test_web.py::test_actions_are_refused_by_the_shared_rules_and_the_refusal_is_recorded",),
    ),
    # --- bad input
    Removal(
        BAD_INPUT,
        "no size limit on YAML files",
        "models/rules/yamlfile.py",
        "    if path.stat().st_size > max_bytes:",
        "    if False:",
        ("tests/test_bad_input.py",),
    ),
    Removal(
        BAD_INPUT,
        "anchors and aliases accepted",
        "models/rules/yamlfile.py",
        '        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):',
        "        if False:",
        ("tests/test_bad_input.py", "tests/test_validation.py"),
    ),
    Removal(
        BAD_INPUT,
        "duplicate keys accepted",
        "models/rules/yamlfile.py",
        "            if k in seen:",
        "            if False:",
        ("tests/test_bad_input.py", "tests/test_validation.py"),
    ),
    Removal(
        BAD_INPUT,
        "the routes file is not checked before the run",
        "models/notify/routes_file.py",
        'before anything runs."""\n    routes()\n',
        'before anything runs."""\n',
        ("tests/test_bad_input.py",),
    ),
    # --- back-dating
    Removal(
        BACKDATING,
        "a step may count for a day in the future",
        "models/rules/backdating.py",
        "    if day > today:\n",
        "    if False:\n",
        ("tests/test_backdating.py",),
    ),
    Removal(
        BACKDATING,
        "a step may count for a day before the latest recorded step",
        "models/rules/backdating.py",
        "    if latest is not None and day < latest:\n",
        "    if False:\n",
        ("tests/test_backdating.py",),
    ),
    # --- who acted
    Removal(
        ACTOR,
        "the typed name is recorded as the actor",
        "models/services/access.py",
        'return {"actor": who(principal), "actor_label"',
        'return {"actor": stated_name or who(principal), "actor_label"',
        ("tests/test_who_acted.py", "tests/test_access.py"),
    ),
    # --- no insert over a stored row
    Removal(
        NO_INSERT_OVER,
        "SQLite lets an insert replace a stored history row",
        "models/store/migrations/versions/0006_who_and_when_of_each_step.py",
        'f"WHEN EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id "',
        'f"WHEN 0 AND EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id "',
        ("tests/test_audit.py",),
    ),
    # --- bootstrap once
    Removal(
        BOOTSTRAP,
        "a database that had tokens counts as never bootstrapped",
        "models/services/access.py",
        "    return (\n        session.exec(select(TokenRow.id).limit(1)).first() is not None\n",
        "    return False and (\n        session.exec(select(TokenRow.id).limit(1)).first() is not None\n",
        ("tests/test_bootstrap.py",),
    ),
    # --- hostile text
    Removal(
        HOSTILE_TEXT,
        "control characters accepted in new input",
        "models/rules/text.py",
        "    if found:\n        raise ControlCharacters",
        "    if False:\n        raise ControlCharacters",
        ("tests/test_hostile_text.py",),
    ),
    Removal(
        HOSTILE_TEXT,
        "stored text printed as it is",
        "models/rules/text.py",
        "    return _CONTROL_OR_CR.sub(lambda m: _visible(m.group()), value)",
        "    return value",
        ("tests/test_hostile_text.py",),
    ),
    # --- secrets
    Removal(
        SECRETS,
        "no secret filter on Apprise's and urllib3's loggers",
        "models/notify/masking.py",
        "        _logger.addFilter(_SecretFilter())",
        "            pass",
        ("tests/test_secrets.py", "tests/test_channels.py"),
    ),
    Removal(
        SECRETS,
        "errors and log lines not scrubbed of the routes' secrets (the scrubber does nothing)",
        "models/notify/masking.py",
        '    """Replace every secret (plain or URL-quoted) in ``text`` with the mask."""\n',
        '    """Replace every secret (plain or URL-quoted) in ``text`` with the mask."""\n    return text\n',
        ("tests/test_channels.py", "tests/test_secrets.py"),
    ),
    Removal(
        SECRETS,
        "outbox files readable by others",
        "models/notify/plugins/outbox.py",
        "        os.fchmod(fd, 0o600)\n",
        "        os.fchmod(fd, 0o644)\n",
        ("tests/test_secrets.py", "tests/test_channels.py"),
    ),
]


@dataclass
class Outcome:
    removal: Removal
    database: str
    verdict: str  # caught, missed, stale, error
    seconds: float
    detail: str = ""


def copy_repository(to: Path) -> None:
    """The working tree's files (tracked and new, not ignored) copied to ``to``."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=REPO,
            check=True,
            capture_output=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            (to / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, to / name)


def run_tests(copy: Path, tests: tuple[str, ...], database: str, timeout: float) -> tuple[int | None, str]:
    """pytest on ``tests`` in ``copy``: (exit code or None on timeout, the last lines of its output)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CCHC_", "PREFECT_"))}
    env["PYTHONPATH"] = str(copy)
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    args = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
    if database == POSTGRES:
        env["CCHC_TEST_POSTGRES"] = "1"
        args += ["-m", "not sqlite_only"]
    try:
        done = subprocess.run(
            args,
            cwd=copy,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY)),
        )
    except subprocess.TimeoutExpired:
        return None, f"no result after {timeout:g} s"
    lines = [x for x in (done.stdout + done.stderr).splitlines() if x.strip()]
    failed = [x for x in lines if x.startswith(("FAILED", "ERROR"))]
    return done.returncode, (failed[:1] or lines[-1:] or [""])[0][:160]


def apply(copy: Path, removal: Removal) -> bool:
    """Apply ``removal`` in ``copy``; False when its text is not found exactly once (the code moved on)."""
    path = copy / removal.file
    text = path.read_text("utf-8")
    if text.count(removal.old) != 1:
        return False
    path.write_text(text.replace(removal.old, removal.new), "utf-8")
    return True


def check(work: Path, removal: Removal, database: str, timeout: float) -> Outcome:
    began = time.monotonic()
    copy = work / f"mutant-{threading.get_ident()}"  # one copy per worker thread
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(work / "base", copy, symlinks=True)
    if not apply(copy, removal):
        return Outcome(removal, database, "stale", 0.0, f"text not found exactly once in {removal.file}")
    code, detail = run_tests(copy, removal.tests, database, timeout)
    seconds = time.monotonic() - began
    shutil.rmtree(copy, ignore_errors=True)
    if code == 1:
        return Outcome(removal, database, "caught", seconds, detail)
    if code == 0:
        return Outcome(removal, database, "missed", seconds, "the named tests pass without it")
    return Outcome(removal, database, "error", seconds, f"pytest exit {code}: {detail}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=1, help="run everything this many times in a row")
    parser.add_argument("--only", default="", help="only removals whose name or row contains this text")
    parser.add_argument("--database", choices=[SQLITE, POSTGRES], help="only this database")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per pytest run")
    parser.add_argument("--jobs", type=int, default=1, help="pytest runs at the same time (each in its own copy)")
    parser.add_argument("--list", action="store_true", help="list the removals and their tests, run nothing")
    options = parser.parse_args()
    wanted = [
        (r, db)
        for r in REMOVALS
        for db in r.databases
        if options.only.lower() in f"{r.row} {r.name}".lower() and db == (options.database or db)
    ]
    if options.list:
        for r, db in wanted:
            print(f"{r.row} | {r.name} | {r.file} | {db} | {' '.join(r.tests)}")
        return 0
    with tempfile.TemporaryDirectory(prefix="cchc-mutations-") as tmp:
        work = Path(tmp)
        (work / "base").mkdir()
        copy_repository(work / "base")
        databases = sorted({db for _, db in wanted})  # all the named tests of a database in one session
        with ThreadPoolExecutor(max_workers=options.jobs) as pool:
            baseline = pool.map(
                lambda db: (
                    db,
                    run_tests(
                        work / "base",
                        tuple(sorted({t for r, d in wanted if d == db for t in r.tests})),
                        db,
                        options.timeout,
                    ),
                ),
                databases,
            )
            failing = [(db, detail) for db, (code, detail) in baseline if code != 0]
        for db, detail in failing:
            print(f"!! without any removal, the named tests do not pass on {db}: {detail}")
        if failing:
            return 2
        print(f"baseline: the named tests pass on the unchanged copy ({len(wanted)} removals to check)", flush=True)
        all_caught = True
        for round_ in range(1, options.rounds + 1):
            outcomes = []
            with ThreadPoolExecutor(max_workers=options.jobs) as pool:  # said in the list's order, as they end
                for (removal, db), outcome in zip(
                    wanted, pool.map(lambda job: check(work, *job, options.timeout), wanted)
                ):
                    outcomes.append(outcome)
                    print(
                        f"[{round_}] {outcome.verdict:6} {outcome.seconds:5.0f} s  {db:10} {removal.name}"
                        f"  ({' '.join(removal.tests)})"
                        + ("" if outcome.verdict == "caught" else f"  {outcome.detail}"),
                        flush=True,
                    )
            caught = sum(o.verdict == "caught" for o in outcomes)
            print(f"round {round_}: {caught} of {len(outcomes)} caught", flush=True)
            all_caught &= caught == len(outcomes)
    return 0 if all_caught else 1


if __name__ == "__main__":
    sys.exit(main())
