"""Throwaway PostgreSQL servers for tests.

    from pgserver import pg_server_url          # session-scoped pytest fixture

    def test_something(pg_server_url):          # skipped unless CCHC_TEST_POSTGRES is set
        url = fresh_database(pg_server_url, "test_something")   # isolated empty DB
        engine = sqlalchemy.create_engine(url)

Outside pytest::

    with throwaway_postgres() as url:           # postgresql+psycopg://postgres@127.0.0.1:PORT/cchc_test
        ...

The server is a real ``postgres`` started with ``initdb`` + ``pg_ctl`` in a fresh
temporary directory (data dir, unix socket and log all live inside it), listens on
127.0.0.1 only, uses trust auth and runs with fsync/full_page_writes/synchronous_commit
off.  When the current process is root the PostgreSQL tools are run as the ``postgres``
system user (initdb/pg_ctl refuse to run as root); otherwise they run as the current user.
On exit the server is stopped with ``pg_ctl stop -m immediate`` and the directory removed.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shutil
import socket
import stat
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ENV_FLAG = "CCHC_TEST_POSTGRES"
DEFAULT_DBNAME = "cchc_test"
SUPERUSER = "postgres"  # role name created by initdb (independent of the OS user)
PG_SYSTEM_USER = "postgres"  # OS user the server runs as when we are root

# Unix socket paths are limited to ~107 bytes; "<dir>/.s.PGSQL.65535" must fit.
_MAX_SOCKET_DIR_LEN = 90
_START_TIMEOUT_S = 60
_PORT_RETRIES = 3

__all__ = [
    "PostgresStartError",
    "throwaway_postgres",
    "fresh_database",
    "pg_server_url",
]


class PostgresStartError(RuntimeError):
    """The throwaway server could not be initialised or started."""


# --------------------------------------------------------------------------- binaries


def _pg_bindir() -> Path:
    """Directory containing initdb/pg_ctl/postgres.

    Honours $CCHC_PG_BINDIR, then PATH, then /usr/lib/postgresql/<newest>/bin.
    """
    override = os.environ.get("CCHC_PG_BINDIR")
    if override:
        return Path(override)
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        # Resolve symlinks (/usr/local/bin/pg_ctl -> /usr/lib/postgresql/15/bin/pg_ctl)
        # so that pg_ctl finds the matching ``postgres`` next to itself.
        return Path(os.path.realpath(found)).parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: int(re.search(r"/(\d+)/bin/", p).group(1)),  # type: ignore[union-attr]
    )
    if candidates:
        return Path(candidates[-1]).parent
    raise PostgresStartError(
        "PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or in "
        "/usr/lib/postgresql/*/bin; set CCHC_PG_BINDIR"
    )


# --------------------------------------------------------------------------- users / dirs


class _RunAs:
    """How to run PostgreSQL tools: as ourselves, or (when root) as the postgres user."""

    def __init__(self) -> None:
        self.as_root = os.geteuid() == 0
        if self.as_root:
            try:
                pw = pwd.getpwnam(PG_SYSTEM_USER)
            except KeyError:
                raise PostgresStartError(
                    f"running as root, but there is no {PG_SYSTEM_USER!r} system user "
                    "to run initdb/pg_ctl as (they refuse to run as root)"
                ) from None
            self.uid, self.gid = pw.pw_uid, pw.pw_gid
            self.groups = set(os.getgrouplist(pw.pw_name, pw.pw_gid))
        else:
            self.uid, self.gid = os.geteuid(), os.getegid()
            self.groups = set(os.getgroups()) | {self.gid}

    def can_traverse(self, path: Path) -> bool:
        """Whether the server user can reach (search) ``path`` and all its parents."""
        if not self.as_root:
            return os.access(path, os.X_OK | os.W_OK)
        for p in [path, *path.parents]:
            try:
                st = p.stat()
            except OSError:
                return False
            if st.st_uid == self.uid:
                ok = st.st_mode & stat.S_IXUSR
            elif st.st_gid in self.groups:
                ok = st.st_mode & stat.S_IXGRP
            else:
                ok = st.st_mode & stat.S_IXOTH
            if not ok:
                return False
        return True

    def run(self, args: list[str], *, cwd: Path, timeout: float) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(LC_ALL="C", LANG="C", HOME=str(cwd))
        kwargs: dict = {}
        if self.as_root:
            # Drop root completely (incl. supplementary groups) for the child.
            kwargs.update(user=self.uid, group=self.gid, extra_groups=sorted(self.groups))
        return subprocess.run(
            args,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            **kwargs,
        )


def _make_tempdir(runas: _RunAs, base_dir: str | os.PathLike | None) -> Path:
    """Fresh temp dir owned by the server user, in a location that user can reach.

    As root, directories like pytest's /tmp/pytest-of-root/... (mode 0700) are not
    traversable by ``postgres``, so candidates are checked and /tmp is the fallback.
    """
    candidates = [base_dir] if base_dir is not None else []
    candidates += [tempfile.gettempdir(), "/tmp"]
    rejected = []
    for cand in candidates:
        base = Path(cand).resolve()
        if not base.is_dir():
            rejected.append(f"{base}: not a directory")
            continue
        if len(str(base)) + len("/cchc-pg-XXXXXXXX") > _MAX_SOCKET_DIR_LEN:
            rejected.append(f"{base}: path too long for a unix socket")
            continue
        if not runas.can_traverse(base):
            rejected.append(f"{base}: not traversable by uid {runas.uid}")
            continue
        tmp = Path(tempfile.mkdtemp(prefix="cchc-pg-", dir=base))
        if runas.as_root:
            os.chown(tmp, runas.uid, runas.gid)
        return tmp
    raise PostgresStartError("no usable temp dir for PostgreSQL: " + "; ".join(rejected))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"<no server log: {exc}>"
    return "\n".join(text.splitlines()[-lines:]) or "<server log empty>"


def _fail(msg: str, proc: subprocess.CompletedProcess | None, log: Path | None) -> PostgresStartError:
    parts = [msg]
    if proc is not None:
        parts.append(f"command: {' '.join(proc.args)}\nexit code: {proc.returncode}")
        if proc.stdout.strip():
            parts.append("stdout:\n" + proc.stdout.strip()[-3000:])
        if proc.stderr.strip():
            parts.append("stderr:\n" + proc.stderr.strip()[-3000:])
    if log is not None:
        parts.append(f"server log tail ({log}):\n{_tail(log)}")
    return PostgresStartError("\n".join(parts))


# --------------------------------------------------------------------------- server


def _connect_admin(host: str, port: int, user: str, dbname: str = "postgres"):
    import psycopg

    return psycopg.connect(host=host, port=port, user=user, dbname=dbname, autocommit=True, connect_timeout=10)


def _create_database(host: str, port: int, user: str, name: str) -> None:
    from psycopg import sql

    with _connect_admin(host, port, user) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


@contextlib.contextmanager
def throwaway_postgres(dbname: str = DEFAULT_DBNAME, *, base_dir: str | os.PathLike | None = None) -> Iterator[str]:
    """Start a throwaway PostgreSQL server; yield ``postgresql+psycopg://postgres@127.0.0.1:PORT/dbname``.

    The server is stopped (``pg_ctl stop -m immediate``) and its directory removed on
    exit, also when the body raises.  Raises :class:`PostgresStartError` (with the server
    log tail) if it cannot be started.
    """
    runas = _RunAs()
    bindir = _pg_bindir()
    initdb, pg_ctl = str(bindir / "initdb"), str(bindir / "pg_ctl")
    tmp = _make_tempdir(runas, base_dir)
    data = tmp / "data"
    log = tmp / "postgres.log"
    started = False
    try:
        proc = runas.run(
            [
                initdb,
                "-D",
                str(data),
                "-U",
                SUPERUSER,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions",
            ],
            cwd=tmp,
            timeout=_START_TIMEOUT_S,
        )
        if proc.returncode != 0:
            raise _fail("initdb failed", proc, None)

        (data / "pg_hba.conf").write_text(
            "# cchc throwaway test server: trust local + loopback only\n"
            "local all all trust\n"
            "host  all all 127.0.0.1/32 trust\n"
        )
        base_conf = (data / "postgresql.conf").read_text()

        for attempt in range(1, _PORT_RETRIES + 1):
            port = _free_port()
            (data / "postgresql.conf").write_text(
                base_conf
                + "\n# --- cchc throwaway test server ---\n"
                + "listen_addresses = '127.0.0.1'\n"
                + f"port = {port}\n"
                + f"unix_socket_directories = '{tmp}'\n"
                + "fsync = off\n"
                + "full_page_writes = off\n"
                + "synchronous_commit = off\n"
                + "logging_collector = off\n"
            )
            proc = runas.run(
                [pg_ctl, "-D", str(data), "-l", str(log), "-w", "-t", str(_START_TIMEOUT_S), "start"],
                cwd=tmp,
                timeout=_START_TIMEOUT_S + 10,
            )
            if proc.returncode == 0:
                started = True
                break
            port_clash = "could not bind" in _tail(log, 200) or "already in use" in _tail(log, 200)
            if not (port_clash and attempt < _PORT_RETRIES):
                raise _fail(f"pg_ctl start failed (port {port})", proc, log)

        try:
            _create_database("127.0.0.1", port, SUPERUSER, dbname)
        except Exception as exc:
            raise _fail(f"server started but CREATE DATABASE {dbname} failed: {exc}", None, log) from exc

        yield f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{port}/{dbname}"
    finally:
        try:
            if started:
                _stop(runas, pg_ctl, data, tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def _stop(runas: _RunAs, pg_ctl: str, data: Path, tmp: Path) -> None:
    try:
        proc = runas.run([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"], cwd=tmp, timeout=30)
        if proc.returncode == 0:
            return
    except subprocess.TimeoutExpired:
        pass
    # Fallback: kill the postmaster we started (pid from its own pid file).
    try:
        pid = int((data / "postmaster.pid").read_text().split()[0])
        os.kill(pid, 9)
        for _ in range(100):
            os.kill(pid, 0)
            time.sleep(0.05)
    except (OSError, ValueError, IndexError):
        pass


_DBNAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def fresh_database(server_url: str, name: str) -> str:
    """Create a new, empty database ``name`` on the server of ``server_url``; return its URL.

    ``name`` must be a plain identifier (letters, digits, underscore; max 63 chars).
    Raises if the database already exists.
    """
    from sqlalchemy.engine import make_url

    if not _DBNAME_RE.match(name):
        raise ValueError(f"invalid database name {name!r} (use [A-Za-z_][A-Za-z0-9_]*, max 63 chars)")
    url = make_url(server_url)
    _create_database(url.host or "127.0.0.1", url.port or 5432, url.username or SUPERUSER, name)
    return url.set(database=name).render_as_string(hide_password=False)


# --------------------------------------------------------------------------- pytest fixture

# A fixture imported into several test modules gets one FixtureDef (and hence one
# "session" cache) per module, so share a single server via a refcount.
_shared_lock = threading.Lock()
_shared: dict = {"url": None, "stack": None, "refs": 0}


@contextlib.contextmanager
def _shared_server() -> Iterator[str]:
    with _shared_lock:
        if _shared["refs"] == 0:
            stack = contextlib.ExitStack()
            _shared["url"] = stack.enter_context(throwaway_postgres())
            _shared["stack"] = stack
        _shared["refs"] += 1
    try:
        yield _shared["url"]
    finally:
        with _shared_lock:
            _shared["refs"] -= 1
            if _shared["refs"] == 0:
                stack, _shared["stack"], _shared["url"] = _shared["stack"], None, None
                stack.close()


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """URL of a throwaway PostgreSQL server (db ``cchc_test``), started once per session.

    Skipped unless the environment variable CCHC_TEST_POSTGRES is set (non-empty).
    Use :func:`fresh_database` for a per-test isolated database.
    """
    if not os.environ.get(ENV_FLAG):
        pytest.skip(f"PostgreSQL tests disabled: set {ENV_FLAG}=1 to run them against a throwaway server")
    with _shared_server() as url:
        yield url
