"""``PRIVACY_DESK_SYSTEMS_FILE``: the systems the register starts with (issue 17), in YAML.

    systems:
      - name: HR system
        owner: slack:U012AB3CD
      - name: Payroll
        owner: teams:00000000-0000-0000-0000-000000000001

Read once at start; a file that cannot be read or names no owner stops the start with the reason.
The register is seeded from it the first time it is used, and lives in the database after that.
"""

from __future__ import annotations

from pathlib import Path

from handlers.policy import SeedSystem
from handlers.ports import ChatUser


class SystemsFileError(ValueError):
    """The systems file is missing, not YAML, or not a list of systems with owners."""


def read_systems_file(path: Path) -> tuple[SeedSystem, ...]:
    import yaml  # only when a systems file is configured

    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SystemsFileError(f"cannot read the systems file {path}: {exc}") from exc
    items = loaded.get("systems") if isinstance(loaded, dict) else loaded
    if not isinstance(items, list):
        raise SystemsFileError(f"{path}: expected a list under systems:")
    found: dict[str, SeedSystem] = {}
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not item.get("name") or not item.get("owner"):
            raise SystemsFileError(f"{path}: system {number} needs a name and an owner")
        name = str(item["name"]).strip()
        if len(name) > 80 or "," in name or "\n" in name:
            raise SystemsFileError(f"{path}: system {number}: the name is too long or has a comma")
        try:
            owner = ChatUser.parse(str(item["owner"]))
        except ValueError as exc:
            raise SystemsFileError(f"{path}: system {number}: owner is not platform:id") from exc
        found.setdefault(name.casefold(), SeedSystem(name=name, owner=owner))
    return tuple(found.values())
