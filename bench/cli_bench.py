"""Wall time of the everyday `cchc` commands, each in a new process (run by hand; figures in bench/README.md).

    .venv/bin/python bench/cli_bench.py [--runs 7] [--tree PATH ...]

On a fresh SQLite database with the reference plan loaded (`cchc plan load byt-3723-2013-2015`), each command is
run --runs times as a new Python process (`python -m cchc_flow.cli.main ...`, output to a pipe), round robin over
the commands so that the machine's load spreads over all of them alike. Printed per command: the median wall time
with PASS/MISS against 0.4 s, and the median CPU time of the process (user + system, os.times: less moved by
other work on the machine than the wall time). With several --tree (checkouts, e.g. main and a worktree), the
trees take turns for every run, so that an old and a new version meet the same load. A last line, "floor (stack)",
times a process that only imports the stack (Typer, Rich, SQLModel with the table models, the settings) and reads
one table: what no command reading the database this way can go below.

Everything lives in one temporary folder; nothing in the repository is touched; no CCHC_*/PREFECT_* of the shell is
read. The processes keep their compiled bytecode (in the temporary folder, PYTHONPYCACHEPREFIX) as an installed cchc
does, even when the shell sets PYTHONDONTWRITEBYTECODE: else every run would compile the project's modules again.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PLAN = "byt-3723-2013-2015"
TARGET = 0.4  # seconds of wall time per command
CCHC = ["-m", "cchc_flow.cli.main"]
# The floor of a command that reads the database through the stack: Typer and Rich, SQLModel with the table models,
# the settings and one query, in a process that pauses the garbage collector while it imports, as `cchc` does.
FLOOR = (
    "import gc\n"
    "gc.disable()\n"
    "import typer, rich.table\n"
    "from sqlmodel import Session, select\n"
    "from cchc_flow.models.store.db import get_engine\n"
    "from cchc_flow.models.store.tables import PlanRow\n"
    "gc.freeze()\n"
    "gc.enable()\n"
    "with Session(get_engine()) as s:\n"
    "    rich.print(rich.table.Table(*(p.code for p in s.exec(select(PlanRow)))))\n"
)
COMMANDS = {
    "--help": ["--help"],
    "units": ["units"],
    "plan show": ["plan", "show", PLAN],
    "activity list": ["activity", "list", PLAN],
    "history": ["history", PLAN],
}
RUNS = {**{name: [*CCHC, *args] for name, args in COMMANDS.items()}, "floor (stack)": ["-c", FLOOR]}


def env_for(tree: Path, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CCHC_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        PYTHONPATH=str(tree),
        CCHC_HOME=str(home),
        CCHC_LANG="vi",
        COLUMNS="120",
        PYTHONPYCACHEPREFIX=str(home.parent / "pycache"),
    )
    return env


def timed(env: dict[str, str], tree: Path, args: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one `python ARGS` process; exits when it fails."""
    before = os.times()
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *args], env=env, cwd=tree, capture_output=True)
    wall = time.perf_counter() - start
    after = os.times()
    if done.returncode:
        raise SystemExit(f"python {' '.join(args)} failed ({tree}):\n{done.stdout.decode()}\n{done.stderr.decode()}")
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7, help="runs of each command (default 7)")
    parser.add_argument("--tree", type=Path, action="append", help="checkout to run (repeatable; default: this one)")
    opts = parser.parse_args()
    trees = [t.resolve() for t in opts.tree or [REPO]]
    print(
        f"machine: nproc={os.cpu_count()} python={platform.python_version()}; "
        f"load average at start {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    with tempfile.TemporaryDirectory(prefix="cchc-cli-bench-") as tmp:
        home = Path(tmp) / "home"
        load = subprocess.run(
            [sys.executable, "-m", "cchc_flow.cli.main", "plan", "load", PLAN],
            env=env_for(REPO, home),
            cwd=REPO,
            capture_output=True,
            text=True,
        )
        if load.returncode:
            raise SystemExit(f"plan load failed:\n{load.stdout}\n{load.stderr}")
        for tree in trees:  # a first run of each tree outside the clock (bytecode caches written)
            for args in RUNS.values():
                timed(env_for(tree, home), tree, args)
        walls: dict[tuple[Path, str], list[float]] = {}
        cpus: dict[tuple[Path, str], list[float]] = {}
        for _ in range(opts.runs):
            for name, args in RUNS.items():
                for tree in trees:
                    wall, cpu = timed(env_for(tree, home), tree, args)
                    walls.setdefault((tree, name), []).append(wall)
                    cpus.setdefault((tree, name), []).append(cpu)
    print(f"medians of {opts.runs} runs, each a new process; target <= {TARGET} s wall")
    for tree in trees:
        if len(trees) > 1:
            print(f"tree {tree}")
        for name in RUNS:
            wall = statistics.median(walls[(tree, name)])
            cpu = statistics.median(cpus[(tree, name)])
            verdict = "info" if name not in COMMANDS else "PASS" if wall <= TARGET else "MISS"
            runs = " ".join(f"{w:.2f}" for w in walls[(tree, name)])
            label = f"cchc {name}" if name in COMMANDS else name
            print(f"  {label:<20} wall {wall:5.2f} s  cpu {cpu:5.2f} s  {verdict}   (runs: {runs})")
    print(f"load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
