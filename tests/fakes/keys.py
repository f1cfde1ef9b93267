"""The data keys the tests encrypt with: fixed, so a CLI or server started by a test (which
inherits ``PRIVACY_DESK_DATA_KEYS`` from the session) reads what the test's own engine wrote.
They protect nothing and are never used outside the tests."""

from __future__ import annotations

import base64

from storage.crypto import DataKeys

# Fernet signs with a key's first 16 bytes: the two test keys must differ there, or a token
# made with one passes the other's signature check and decrypts to noise.
TEST_KEY = base64.urlsafe_b64encode(b"privacy-desk tests only, no use!").decode("ascii")
OLD_TEST_KEY = base64.urlsafe_b64encode(b"an older key for privacy-desk tx").decode("ascii")
TEST_KEYS = DataKeys((TEST_KEY,))
