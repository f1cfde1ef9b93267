"""Build the Teams app package to upload: manifest.json with your bot's ids, and the icons.

    python deploy/teams/package.py --app-id <Microsoft App ID> --domain desk.example.org

writes privacy-desk-teams.zip (upload it in Teams: Apps -> Manage your apps -> Upload an app).
Standard library only, so it runs anywhere Python does.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import uuid
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
HOST = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$"
)


class PackageError(ValueError):
    """A bad --app-id or --domain, said in one line."""


def check_app_id(app_id: str) -> str:
    """The Microsoft App ID as a GUID (``00000000-0000-0000-0000-000000000000``)."""
    try:
        return str(uuid.UUID(app_id.strip()))
    except ValueError:
        raise PackageError(
            f"--app-id {app_id!r} is not a Microsoft App ID: it looks like "
            "12345678-abcd-1234-abcd-123456789abc (Azure Bot -> Configuration)"
        ) from None


def check_domain(domain: str) -> str:
    """A bare host name: not a URL, no path or port."""
    text = domain.strip().lower()
    if "://" in text or "/" in text or ":" in text:
        raise PackageError(
            f"--domain {domain!r} is a URL: give the host name only, e.g. desk.example.org"
        )
    if not HOST.match(text):
        raise PackageError(f"--domain {domain!r} is not a host name, e.g. desk.example.org")
    return text


def build(app_id: str, domain: str, output: Path) -> Path:
    app_id, domain = check_app_id(app_id), check_domain(domain)
    manifest = json.loads((HERE / "manifest.json").read_text())
    manifest["id"] = app_id
    manifest["bots"][0]["botId"] = app_id
    for extension in manifest.get("composeExtensions", []):
        extension["botId"] = app_id
    manifest["validDomains"] = [domain]
    for key in ("websiteUrl", "privacyUrl", "termsOfUseUrl"):
        manifest["developer"][key] = manifest["developer"][key].replace(
            "privacy-desk.example.org", domain
        )
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest, indent=2))
        for icon in ("color.png", "outline.png"):
            package.write(HERE / icon, icon)
    return output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app-id", required=True, help="the bot's Microsoft App ID (a GUID)")
    parser.add_argument("--domain", required=True, help="your server's public host name")
    parser.add_argument("--output", type=Path, default=Path("privacy-desk-teams.zip"))
    args = parser.parse_args()
    try:
        print(build(args.app_id, args.domain, args.output))
    except PackageError as exc:
        print(f"package.py: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
