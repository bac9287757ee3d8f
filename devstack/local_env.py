"""var/local.env, which `make run` leaves for manage.py beside it (scripts/run.sh): every variable
of its environment that the product reads, so that a command run by hand sees what the running
processes see (the waiting room's opening, its rate, the SMS file, the secrets...).

The names are read from the product's code (an env_*("NAME") or os.environ call), not kept in a
list: a variable added to the settings tomorrow is carried too.

    python -m devstack.local_env [PATH]   writes PATH (var/local.env) from this environment
"""

import ast
import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

from devstack.processes import ROOT

# What is not the product: the harness, the bench, deployment and the tools' own folders.
NOT_PRODUCT = {"tests", "bench", "devstack", "deploy", "scripts", "node_modules", "locale"}
# Read before the file is (which file to read), or only by gunicorn, never by manage.py.
# A process's name picks its own Redis user: manage.py by hand is none of them.
NOT_FOR_MANAGE = {
    "VAKSIN_LOCAL_ENV", "PORT", "HOST", "WEB_CONCURRENCY", "VAKSIN_PROCESS", "HONCHO_PROCESS_NAME",
}  # fmt: skip


def product_sources(root: Path = ROOT) -> Iterator[Path]:
    for folder in sorted(root.iterdir()):
        is_package = folder.is_dir() and (folder / "__init__.py").exists()
        if is_package and folder.name not in NOT_PRODUCT:
            yield from sorted(folder.rglob("*.py"))


def _is_environ(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "environ"


def names_read(source: str) -> set[str]:
    """The variables a module reads: env_int("NAME", ...) and the like, os.environ.get("NAME"),
    os.environ["NAME"], os.getenv("NAME")."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        name: ast.expr | None = None
        if isinstance(node, ast.Call) and node.args:
            function = node.func
            called = (
                function.id
                if isinstance(function, ast.Name)
                else function.attr
                if isinstance(function, ast.Attribute)
                else ""
            )
            on_environ = isinstance(function, ast.Attribute) and _is_environ(function.value)
            if called.startswith("env_") or called == "getenv" or (on_environ and called == "get"):
                name = node.args[0]
        elif isinstance(node, ast.Subscript) and _is_environ(node.value):
            name = node.slice
        if isinstance(name, ast.Constant) and isinstance(name.value, str) and name.value.isupper():
            names.add(name.value)
    return names


def product_variables(root: Path = ROOT) -> set[str]:
    found: set[str] = set()
    for path in product_sources(root):
        found |= names_read(path.read_text())
    return found - NOT_FOR_MANAGE


def local_env_lines(environment: Mapping[str, str]) -> list[str]:
    lines = ["# Written by make run (scripts/run.sh) for manage.py beside it; rewritten each run."]
    for name in sorted(product_variables()):
        value = environment.get(name, "")
        if value and "\n" not in value:
            lines.append(f"{name}={value}")
    return lines


def write_local_env(path: Path, environment: Mapping[str, str]) -> None:
    """Writes the file readable by its owner only: it holds the Redis password and secrets."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write("\n".join(local_env_lines(environment)) + "\n")
    path.chmod(0o600)


if __name__ == "__main__":
    write_local_env(
        Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "var" / "local.env"), os.environ
    )
