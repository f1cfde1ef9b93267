"""The bot's real authentication path (issue 15 item 6): MSAL client credentials against a
fake Entra ID token endpoint on loopback (``TEAMS_AUTHORITY``), through the running server:
an activity in, the reply out to the fake connector with the token Entra issued."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.fakes.entra import TENANT, FakeEntra, pfx
from tests.teams_harness import APP_ID, teams_server


@pytest.fixture
async def entra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeEntra]:
    fake = FakeEntra(tmp_path)
    await fake.start()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", fake.ca_file)  # MSAL (requests) trusts the fake
    try:
        yield fake
    finally:
        await fake.stop()


def msal_settings(entra: FakeEntra) -> dict[str, Any]:
    return {"teams_app_tenant_id": TENANT, "teams_authority": entra.authority}


async def test_client_secret_token_is_fetched_once_and_cached(
    engine: AsyncEngine, db_url: str, entra: FakeEntra
) -> None:
    overrides = msal_settings(entra) | {"teams_app_password": "app-password-for-tests-0123456"}
    async with teams_server(engine, db_url, msal=True, **overrides) as teams:
        assert await teams.say("dsar help") in (200, 202)
        assert await teams.say("dsar help") in (200, 202)
        assert [s.authorization for s in teams.fake.sent] == ["Bearer entra-1"] * 2
        [grant] = entra.grants  # one token (an hour long), cached for the second reply
        assert grant["grant_type"] == "client_credentials"
        assert grant["client_id"] == APP_ID
        assert grant["client_secret"] == "app-password-for-tests-0123456"
        assert grant["scope"].endswith("/.default")


async def test_a_token_about_to_expire_is_refreshed_before_use(
    engine: AsyncEngine, db_url: str, entra: FakeEntra
) -> None:
    # Tokens of 60 seconds are inside MSAL's five-minute margin: never reused. Then an hour.
    entra.expires_in[:] = [60, 60, 60, 60]
    overrides = msal_settings(entra) | {"teams_app_password": "app-password-for-tests-0123456"}
    async with teams_server(engine, db_url, msal=True, **overrides) as teams:
        for _ in range(4):
            assert await teams.say("dsar help") in (200, 202)
        used = [s.authorization for s in teams.fake.sent]
        issued = {f"Bearer entra-{n}" for n in range(1, len(entra.grants) + 1)}
        assert set(used) <= issued
        assert used[0] != used[1]  # the short-lived token was not reused
        assert used[-1] == used[-2]  # the hour-long one is
        grants = len(entra.grants)
        assert await teams.say("dsar help") in (200, 202)
        assert len(entra.grants) == grants  # no new grant while the cached token is good


async def test_certificate_credential_signs_a_client_assertion(
    engine: AsyncEngine, db_url: str, entra: FakeEntra, tmp_path: Path
) -> None:
    path, cert = pfx(tmp_path, b"pfx-password")
    entra.client_cert = cert
    overrides = msal_settings(entra) | {
        "teams_auth_type": "certificate",
        "teams_certificate_file": str(path),
        "teams_certificate_password": "pfx-password",
    }
    async with teams_server(engine, db_url, msal=True, **overrides) as teams:
        assert await teams.say("dsar help") in (200, 202)
        [grant] = entra.grants
        assert "client_secret" not in grant
        assert grant["client_assertion_type"].endswith("jwt-bearer")
        assert [s.authorization for s in teams.fake.sent] == ["Bearer entra-1"]
