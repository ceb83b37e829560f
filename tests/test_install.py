"""The wheel, installed into a fresh venv outside the checkout, runs `cchc plan check`, `cchc demo` and `cchc serve`
from another folder: everything it needs (plans, unit directory, templates, static files, migrations) is inside it.

The fresh venv gets the third-party dependencies from this test's own environment through a .pth line (installing
them from the package index would take minutes). A path added by a .pth line is not itself a site folder: the .pth
files in it, among them the editable install's finder for the checkout, are not run, so cchc_flow can only come
from the wheel; the test checks that it does.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx
import pytest
from conftest import REPO
from endpoints import free_port

pytestmark = pytest.mark.sqlite_only  # one pass is enough: the database is the demo's own SQLite file

SOURCE_FILES = ("pyproject.toml", "README.md")
SOURCE_FOLDERS = ("cchc_flow", "models", "flows", "cli", "web", "config")
DATA = (
    "cchc_flow/config/units.yaml",
    "cchc_flow/config/notify.example.yaml",
    "cchc_flow/config/plans/byt-3723-2013-2015.yaml",
    "cchc_flow/web/templates/base.html",
    "cchc_flow/web/templates/login.html",
    "cchc_flow/web/static/portal.css",
    "cchc_flow/models/notify/templates/digest.html",
    "cchc_flow/models/store/migrations/alembic.ini",
    "cchc_flow/models/store/migrations/script.py.mako",
    "cchc_flow/models/store/migrations/env.py",
    "cchc_flow/models/store/migrations/versions/0001_plan_units_roles_and_history.py",
)


def run(*args: str | Path, cwd: Path, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project built as a wheel, without a setuptools warning."""
    source, out = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("wheel")
    for name in SOURCE_FILES:  # a copy: the build writes build/ and *.egg-info beside the sources, not in the checkout
        shutil.copy(REPO / name, source / name)
    for name in SOURCE_FOLDERS:
        shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    build = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", out, source, cwd=out, env=dict(os.environ))
    assert build.returncode == 0, build.stdout + build.stderr
    assert "Warning" not in build.stdout + build.stderr, build.stdout + build.stderr
    (built,) = out.glob("cchc_flow-*.whl")
    return built


def test_the_wheel_holds_the_package_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert not [n for n in DATA if n not in names]
    versions = [n for n in names if n.startswith("cchc_flow/models/store/migrations/versions/0")]
    assert len(versions) == len(list((REPO / "models/store/migrations/versions").glob("0*.py")))
    templates = [n for n in names if n.startswith("cchc_flow/web/templates/")]
    assert len(templates) == len(list((REPO / "web/templates").glob("*.html")))
    # only the one namespace: no top-level models/, flows/ or web/ packages in site-packages
    assert {n.split("/")[0] for n in names} == {"cchc_flow", wheel.name.split("-py3")[0] + ".dist-info"}


def test_installed_wheel_checks_replays_and_serves_from_another_folder(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python, cchc = venv / "bin/python", venv / "bin/cchc"
    (purelib,) = (venv / "lib").glob("python3*/site-packages")
    (purelib / "dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CCHC_", "PREFECT_")) and k != "PYTHONPATH"}
    env.update(
        CCHC_HOME=str(tmp_path / "home"),
        PREFECT_HOME=str(tmp_path / "prefect"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_LOGGING_LEVEL="WARNING",
        COLUMNS="200",
    )
    where = [python, "-c", "import cchc_flow; print(cchc_flow.__file__)"]
    assert run(*where, cwd=elsewhere, env=env).returncode != 0  # the checkout does not leak into the fresh venv

    install = [sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", "--no-index", wheel]
    installed = run(*install, cwd=elsewhere, env=env)
    assert installed.returncode == 0, installed.stderr
    found = run(*where, cwd=elsewhere, env=env)
    assert Path(found.stdout.strip()).is_relative_to(purelib), found.stdout + found.stderr

    # the shipped reference plan, named by its code
    check = run(cchc, "plan", "check", "byt-3723-2013-2015", cwd=elsewhere, env=env)
    assert check.returncode == 0, check.stderr
    assert "byt-3723-2013-2015: hợp lệ (17 hoạt động" in check.stdout
    assert str(purelib / "cchc_flow/config/plans/byt-3723-2013-2015.yaml") in check.stderr  # its warnings' file

    demo = run(cchc, "demo", "--home", tmp_path / "demo", cwd=elsewhere, env=env)
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert "Kế hoạch 3723/QĐ-BYT: kết thúc chạy thử" in demo.stdout, demo.stdout
    assert (tmp_path / "demo/reports/byt-3723-2013-2015/tong-ket-giai-doan-2.docx").is_file()

    # the portal over the replay, as the demo's summary says to open it
    port = free_port()
    replay = {"CCHC_HOME": str(tmp_path / "demo"), "CCHC_DATABASE_URL": f"sqlite:///{tmp_path / 'demo/cchc.db'}"}
    serve = subprocess.Popen(
        [str(cchc), "serve", "--port", str(port), "--workers", "1", "--as-of", "2015-12-31"],
        cwd=elsewhere,
        env={**env, **replay},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        login = None
        deadline = time.monotonic() + 60
        while login is None and serve.poll() is None and time.monotonic() < deadline:
            try:
                login = httpx.get(f"http://127.0.0.1:{port}/login", timeout=5)
            except httpx.TransportError:
                time.sleep(0.2)
        assert login is not None, serve.stderr.read() if serve.poll() is not None else "no answer on /login"
        assert login.status_code == 200
        assert "portal.css" in login.text
        css = httpx.get(f"http://127.0.0.1:{port}/static/portal.css", timeout=5)
        assert css.status_code == 200
    finally:
        serve.terminate()
        serve.wait(timeout=30)
