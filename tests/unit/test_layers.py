"""The import contract: which room of the house may use which (docs/architecture.md).

Read from the source with `ast`, so it costs nothing at run time and needs no extra tool. Only
imports that run count: those under `if TYPE_CHECKING:` are annotations, not dependencies.
Run by `make lint` and by the test suite."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Rooms, outermost first. A room may import rooms below it and the shared kernel, never a room
# above it. The composition root (bot.app) and the entry points may import anything.
ENTRY = (
    "bot.__main__", "bot.cli", "bot.cli_parser", "bot.cli_admin", "bot.cli_native", "bot.cli_text", "bot.setup", "bot.demo",
    "bot.web.commands",  # `serve` and `poll`: they build the app and run it
    "bot.cli_deploy",  # backup, restore, import
    "bot.cli_export",  # export: the reports build the bytes, it writes them
)  # fmt: skip
ROOT_MODULE = "bot.app"
LAYERS: tuple[tuple[str, ...], ...] = (
    ("bot.web", "bot.dashboard", "scheduler"),  # the edges: HTTP, the browser, the clock
    ("bot.conversation", "bot.router", "bot.routing"),  # one message, one transaction, one reply
    ("bot.handlers",),  # chat logic: one module per thing people say
    ("bot.services", "bot.reports", "bot.menus", "bot.posters", "bot.drawing"),  # the domain
    ("bot.storage",),  # tables, repositories, the unit of work
)
# Pure modules everyone may use: messages, wording, calendar, vocabulary, understanding Thai.
KERNEL = (
    "bot.messages",
    "bot.wording",
    "bot.calendar",
    "bot.clock",
    "bot.config",
    "bot.vocabulary",
    "bot.nlu",
    "bot.labels",
    "bot.addresses",
    "bot.flood",
    "scheduler.policy",  # the programme's cadence rules: pure functions of facts and a moment
    "scheduler.cadence",  # the cadence settings those rules read, parsed and checked
    "scheduler.compose",  # how a reminder reads: pure wording over the policy's facts
)
CHANNELS = "bot.channels"  # adapters: only the edges and the composition root use them
PLATFORM_SDKS = ("linebot", "telegram")
# Modules allowed to hold a platform SDK: the channel adapters and what sets the platforms up.
SDK_HOLDERS = (CHANNELS, ROOT_MODULE, "bot.setup", "bot.cli_native")


def _within(module: str, prefixes: tuple[str, ...] | str) -> bool:
    prefixes = (prefixes,) if isinstance(prefixes, str) else prefixes
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _modules() -> Iterator[tuple[str, Path]]:
    for top in ("bot", "scheduler"):
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            yield name.removesuffix(".__init__"), path


def _run_time_imports(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text("utf-8"))
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only.update(id(n) for n in ast.walk(node))
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
            for alias in node.names:  # `from bot import vocabulary` imports bot.vocabulary
                yield node.lineno, f"{node.module}.{alias.name}"


def _layer(module: str) -> int | None:
    for index, rooms in enumerate(LAYERS):
        if _within(module, rooms):
            return index
    return None


def _violations() -> list[str]:
    found: list[str] = []
    for module, path in _modules():
        own = _layer(module)
        seen: set[int] = set()
        for line, target in _run_time_imports(path):
            if line in seen:
                continue  # one finding per import statement
            before = len(found)
            where = f"{path.relative_to(ROOT)}:{line} imports {target}"
            if _within(target, PLATFORM_SDKS) and not _within(module, SDK_HOLDERS):
                found.append(f"{where} (the core never imports a platform SDK)")
            if _within(module, (*ENTRY, ROOT_MODULE)) or not _within(target, ("bot", "scheduler")):
                continue
            if _within(target, KERNEL) or target in ("bot", "scheduler"):
                continue
            if _within(target, (*ENTRY, ROOT_MODULE)):
                found.append(f"{where} (only entry points use the composition root)")
            elif _within(target, CHANNELS) and not _within(module, CHANNELS):
                if own is None or own > 0:
                    found.append(f"{where} (channel adapters are used by the edges only)")
            elif _within(module, KERNEL) and not _within(target, KERNEL):
                found.append(f"{where} (the shared kernel depends on nothing above it)")
            elif _within(module, CHANNELS):
                if not _within(target, (CHANNELS, "bot.menus", "bot.drawing")):
                    found.append(f"{where} (an adapter knows messages and menus, not the core)")
            else:
                theirs = _layer(target)
                if own is not None and theirs is not None and theirs < own:
                    found.append(f"{where} (an inner room never imports an outer one)")
            if len(found) > before:
                seen.add(line)
    return found


def test_every_room_imports_only_rooms_below_it() -> None:
    assert _violations() == []


def test_the_contract_sees_every_module() -> None:
    """A new top-level module must be placed in a room, or the contract would not check it."""
    placed = (*ENTRY, ROOT_MODULE, *KERNEL, CHANNELS, *(r for rooms in LAYERS for r in rooms))
    unplaced = [
        m for m, _ in _modules() if m not in ("bot", "scheduler") and not _within(m, placed)
    ]
    assert unplaced == []


# The chat logic and the domain write through repositories and read through query modules:
# no SQL (select/update/delete/insert, dialect inserts) and no session of their own. What they
# may still name from SQLAlchemy: an error to catch, and how a database address is spelt.
NO_SQL_ROOMS = ("bot.services", "bot.handlers")
SQL_ALLOWED = ("sqlalchemy.exc", "sqlalchemy.engine")


def _sql_uses(path: Path) -> Iterator[tuple[int, str]]:
    """Imports of SQLAlchemy's query side, and any use of a unit of work's `session`."""
    for line, target in _run_time_imports(path):
        if _within(target, "sqlalchemy") and not _within(target, SQL_ALLOWED):
            yield line, f"imports {target}"
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr == "session":
            owner = ast.unparse(node.value)
            if owner == "uow" or owner.endswith(".uow"):
                yield node.lineno, f"uses {owner}.session"


def _sql_outside_storage() -> list[str]:
    found: list[str] = []
    for module, path in _modules():
        if _within(module, NO_SQL_ROOMS):
            found += [f"{path.relative_to(ROOT)}:{n} {what}" for n, what in _sql_uses(path)]
    return found


def test_services_and_handlers_write_no_sql() -> None:
    """Writes go through repositories hung off the unit of work, dialect branches stay in
    bot/storage (reports in bot/reports/ keep their own read queries)."""
    assert _sql_outside_storage() == []


def test_the_sql_check_catches_a_query_in_a_service(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from sqlalchemy import select\n"
        "from sqlalchemy.exc import IntegrityError\n"
        "async def f(uow, ctx):\n"
        "    await uow.session.flush()\n"
        "    await ctx.uow.session.get(1)\n"
        "    await uow.flush()\n",
        "utf-8",
    )
    assert sorted(_sql_uses(sample)) == [
        (1, "imports sqlalchemy"),
        (1, "imports sqlalchemy.select"),
        (4, "uses uow.session"),
        (5, "uses ctx.uow.session"),
    ]


def test_the_contract_catches_an_upward_import(tmp_path: Path) -> None:
    """The checker itself: an import written the wrong way round is found."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from typing import TYPE_CHECKING\n"
        "from bot.handlers.context import Context\n"
        "if TYPE_CHECKING:\n    from bot.app import App\n",
        "utf-8",
    )
    assert [t for _, t in _run_time_imports(sample)] == [
        "typing",
        "typing.TYPE_CHECKING",
        "bot.handlers.context",
        "bot.handlers.context.Context",
    ]
    handlers, services = _layer("bot.handlers.sale"), _layer("bot.services.records")
    assert services is not None
    assert handlers is not None and handlers < services


def test_the_storage_modules_import_on_their_own() -> None:
    """Each storage module imports first in a fresh interpreter, as Alembic's env.py does when
    `sammachip migrate` starts (an import cycle through the repositories package once broke it
    while every test, which imports the app first, passed)."""
    import subprocess
    import sys

    storage = sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in (ROOT / "bot" / "storage").glob("*.py")
        if path.name != "__init__.py"
    )
    code = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    for name in storage:
        done = subprocess.run(
            [sys.executable, "-c", code, name], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, f"{name}: {done.stderr.strip().splitlines()[-1:]}"
