"""The rooms hold: no module imports a room above its own, and the modules' imports (deferred ones included) form
no cycle. Read from the source with ast, so an import inside a function counts as much as one at the top."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Folder in the checkout -> its import name (pyproject.toml maps the same way).
FOLDERS = {
    "cchc_flow": "cchc_flow",
    "config": "cchc_flow.config",
    "models": "cchc_flow.models",
    "flows": "cchc_flow.flows",
    "cli": "cchc_flow.cli",
    "web": "cchc_flow.web",
}
# Rooms from the bottom up; a module belongs to the longest prefix that names it. A module may import from its own
# room and from the rooms below. The CLI sits above the portal: `cchc serve` starts it.
ROOMS = [
    "cchc_flow",
    "cchc_flow.config",
    "cchc_flow.models.rules",
    "cchc_flow.models.store",
    "cchc_flow.models.notify",
    "cchc_flow.models.services",
    "cchc_flow.models.reports",
    "cchc_flow.flows",
    "cchc_flow.web",
    "cchc_flow.cli",
]
# Package markers with no code of their own: they sit in the room of the package root.
PACKAGE_ROOMS = {"cchc_flow.models": "cchc_flow"}


def _modules() -> dict[str, Path]:
    found = {}
    for folder, name in FOLDERS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join((name, *parts))] = path
    return found


MODULES = _modules()


def _room(module: str) -> str:
    if module in PACKAGE_ROOMS:
        return PACKAGE_ROOMS[module]
    return max((r for r in ROOMS if module == r or module.startswith(r + ".")), key=len)


def _imports(module: str, path: Path) -> list[tuple[str, int]]:
    """Our own modules `module` imports (anywhere in the file), with the line of each import."""
    is_package = path.name == "__init__.py"
    base = module.split(".") if is_package else module.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                origin = ".".join(base[: len(base) - node.level + 1] + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            # `from package import name` imports the submodule when `name` is one.
            names = [
                f"{origin}.{alias.name}" if f"{origin}.{alias.name}" in MODULES else origin for alias in node.names
            ]
        else:
            continue
        for name in names:
            while name and name not in MODULES:
                name = name.rpartition(".")[0]
            if name and name != module:
                found.append((name, node.lineno))
    return found


GRAPH = {module: _imports(module, path) for module, path in MODULES.items()}


def test_the_tree_is_read():
    assert "cchc_flow.settings" in MODULES and "cchc_flow.cli.main" in MODULES
    assert any(target == "cchc_flow.settings" for edges in GRAPH.values() for target, _ in edges)


def test_no_module_imports_a_room_above_its_own():
    wrong = []
    for module, edges in sorted(GRAPH.items()):
        mine = ROOMS.index(_room(module))
        for target, line in edges:
            if ROOMS.index(_room(target)) > mine:
                rel = MODULES[module].relative_to(ROOT)
                wrong.append(f"{rel}:{line}: {module} ({_room(module)}) imports {target} ({_room(target)})")
    assert not wrong, "imports from a room above:\n" + "\n".join(wrong)


def _cycles() -> list[list[str]]:
    """One chain for each cycle found by a depth-first walk (each cycle told once, from where it was entered)."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []
    found = []

    def walk(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in dict.fromkeys(target for target, _ in GRAPH[module]):
            if state.get(target) == 1:
                found.append(path[path.index(target) :] + [target])
            elif target not in state:
                walk(target)
        path.pop()
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            walk(module)
    return found


def test_imports_form_no_cycle():
    cycles = _cycles()

    def line(a: str, b: str) -> str:
        return f"{MODULES[a].relative_to(ROOT)}:{min(n for t, n in GRAPH[a] if t == b)}"

    told = ["  " + " -> ".join(f"{a} ({line(a, b)})" for a, b in zip(c, c[1:])) + f" -> {c[-1]}" for c in cycles]
    assert not cycles, f"{len(cycles)} import cycle(s):\n" + "\n".join(told)
