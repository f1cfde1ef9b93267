"""The data keys a benchmark encrypts with: ``PRIVACY_DESK_DATA_KEYS`` if set, else a fresh key
for this run, put in the environment so the servers a benchmark starts use it too."""

from __future__ import annotations

import os

from storage.crypto import DataKeys, new_key

BENCH_KEYS = DataKeys.from_text(os.environ.setdefault("PRIVACY_DESK_DATA_KEYS", new_key()))
