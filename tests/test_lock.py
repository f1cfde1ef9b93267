"""The lock files (requirements/*.txt, scripts/lock.sh) agree with pyproject.toml's ranges, and
the image, ``make install`` and CI install from them."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def pins(name: str) -> dict[str, str]:
    """``package -> version`` of a pip-compile output file."""
    found: dict[str, str] = {}
    for line in (ROOT / "requirements" / name).read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)", line)
        if match:
            found[canonicalize_name(match.group(1))] = match.group(2)
    return found


def declared() -> tuple[list[Requirement], list[Requirement]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = [Requirement(r) for r in project["dependencies"]]
    dev = [Requirement(r) for r in project["optional-dependencies"]["dev"]]
    return runtime, dev


def test_every_dependency_is_pinned_inside_its_range() -> None:
    app, dev = pins("app.txt"), pins("dev.txt")
    runtime, tools = declared()
    for requirement, lock in [(r, app) for r in runtime] + [(r, dev) for r in runtime + tools]:
        name = canonicalize_name(requirement.name)
        assert name in lock, f"{name} is not in the lock: run scripts/lock.sh"
        assert requirement.specifier.contains(lock[name], prereleases=True), (
            f"{name}=={lock[name]} is outside {requirement.specifier}: run scripts/lock.sh"
        )
    # The image's versions are the ones the tests ran with.
    assert {name: dev[name] for name in app} == app
    assert "pytest" not in app and "kubernetes-validate" not in app


def test_the_image_make_install_and_ci_install_from_the_lock() -> None:
    dockerfile = (ROOT / "deploy/Dockerfile").read_text()
    assert "install --no-deps -r requirements/app.txt" in dockerfile
    assert "install --no-deps ." in dockerfile
    final = dockerfile.split("\nFROM ")[-1]
    assert "USER 10001" in final and "--from=build /opt/venv" in final
    assert not re.search(r"gcc|build-essential|apt-get|pip install", final)
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install --quiet -r requirements/dev.txt" in makefile
    assert "pip install --quiet --no-deps -e ." in makefile
    assert "make test" in (ROOT / ".ci/run").read_text()
