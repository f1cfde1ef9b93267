"""Build the Teams app package to upload: manifest.json with your bot's ids, and the icons.

    python deploy/teams/package.py --app-id <Microsoft App ID> --domain desk.example.org

writes privacy-desk-teams.zip (upload it in Teams: Apps -> Manage your apps -> Upload an app).
Standard library only, so it runs anywhere Python does.
"""

from __future__ import annotations

import argparse
import json
import uuid
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def build(app_id: str, domain: str, output: Path) -> Path:
    uuid.UUID(app_id)  # raises ValueError for anything that is not a GUID
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
    print(build(args.app_id, args.domain, args.output))


if __name__ == "__main__":
    main()
