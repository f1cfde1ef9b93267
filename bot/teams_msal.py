"""The bot's own token for Teams: MSAL client credentials (a secret or a certificate).

The Agents SDK's ``MsalAuth`` asks Entra ID (``https://login.microsoftonline.com/<tenant>``)
for a token for the Bot Framework and keeps it in MSAL's cache until shortly before it
expires. ``TEAMS_AUTHORITY`` names another authority (a sovereign cloud, or the fake token
endpoint of the tests); an authority named there is trusted as given, so MSAL does not first
ask login.microsoftonline.com whether it knows it (instance discovery). A certificate
(``TEAMS_AUTH_TYPE=certificate``, a PFX file and its password) signs a client assertion
instead of sending a secret, as Microsoft recommends for production.
"""

from __future__ import annotations

from typing import Any

from microsoft_agents.authentication.msal import MsalAuth
from microsoft_agents.hosting.core import AgentAuthConfiguration
from microsoft_agents.hosting.core.authorization import AuthTypes, ConnectionManager
from msal import ConfidentialClientApplication, ManagedIdentityClient  # type: ignore[import-untyped]

from bot.config import Settings

CONNECTION = "SERVICE_CONNECTION"


class DeskMsalAuth(MsalAuth):
    """``MsalAuth`` with the certificate's password and a configured authority trusted."""

    passphrase: str | None = None

    def _create_client_application(
        self, tenant_id: str | None = None
    ) -> ConfidentialClientApplication | ManagedIdentityClient:
        config = self._msal_configuration
        if config.AUTH_TYPE not in (AuthTypes.client_secret, AuthTypes.certificate):
            return super()._create_client_application(tenant_id)
        credential: Any = config.CLIENT_SECRET
        if AuthTypes.certificate == config.AUTH_TYPE:
            credential = {"private_key_pfx_path": config.CERT_PFX_FILE}
            if self.passphrase:
                credential["passphrase"] = self.passphrase
        return ConfidentialClientApplication(
            client_id=config.CLIENT_ID,
            authority=MsalAuth._resolve_authority(config, tenant_id),
            client_credential=credential,
            instance_discovery=False if config.AUTHORITY else None,
        )


def msal_connections(settings: Settings) -> ConnectionManager:
    """The Agents SDK's connection manager with ``DeskMsalAuth`` as its token provider."""
    password = settings.teams_app_password
    passphrase = settings.teams_certificate_password

    def provider(config: AgentAuthConfiguration) -> DeskMsalAuth:
        auth = DeskMsalAuth(config)
        auth.passphrase = passphrase.get_secret_value() if passphrase else None
        return auth

    config = AgentAuthConfiguration(
        auth_type=AuthTypes(settings.teams_auth_type.value),
        client_id=settings.teams_app_id,
        tenant_id=settings.teams_app_tenant_id,
        client_secret=password.get_secret_value() if password else None,
        cert_pfx_file=settings.teams_certificate_file,
        authority=settings.teams_authority,
    )
    return ConnectionManager(
        provider_factory=provider, connections_configurations={CONNECTION: config}
    )
