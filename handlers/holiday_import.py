"""The ``holidays`` package, loading one country's calendar rather than all of them.

``holidays.country_holidays("GB")`` imports ``holidays.countries.united_kingdom``, and importing
any module inside ``holidays.countries`` first runs that package's ``__init__``, which imports
every country the package knows (about 250, Australia's school calendar among them): most of
``privacy-desk deadline``'s start-up, and paid again by ``Settings()`` when it checks the
configured calendar. ``defer_countries()`` registers ``holidays.countries`` as a package whose
``__init__`` has not run yet, so a lookup imports the one country module it needs (and any
country that module itself imports). The first time anything asks the package for a name its
``__init__`` defines (``from holidays.countries import Germany``, ``import *``), that
``__init__`` runs in place, so other code sees the package whole.

Which codes exist comes from ``holidays.registry.COUNTRIES``, the table the package's own lazy
loader is built from, so a code is checked without importing any country.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from functools import cache
from types import ModuleType

COUNTRIES = "holidays.countries"
_lock = threading.Lock()


def defer_countries() -> None:
    """Import ``holidays`` with ``holidays.countries`` deferred (see the module docstring);
    nothing to do once the package is imported, deferred or whole."""
    import holidays

    with _lock:
        if COUNTRIES not in sys.modules:
            _defer_init(holidays)


@cache
def country_codes() -> frozenset[str]:
    """Every country code ``holidays.country_holidays`` accepts (aliases such as ``DEU``
    included), read from the registry: the keys of ``holidays.list_supported_countries()``,
    which imports every country to list their subdivisions."""
    defer_countries()
    from holidays.registry import EntityLoader

    return frozenset(EntityLoader.get_country_codes(include_aliases=True))


def _defer_init(holidays: ModuleType) -> None:
    spec = importlib.util.find_spec(COUNTRIES)  # finds it; runs nothing inside it
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return  # not the layout this was written for: it is imported whole, as before
    countries = importlib.util.module_from_spec(spec)
    loader = spec.loader
    ran = threading.Event()
    init_lock = threading.RLock()

    def __getattr__(name: str) -> object:
        with init_lock:
            if not ran.is_set():
                ran.set()
                loader.exec_module(countries)
        try:
            return countries.__dict__[name]
        except KeyError:
            raise AttributeError(f"module {COUNTRIES!r} has no attribute {name!r}") from None

    countries.__dict__["__getattr__"] = __getattr__
    sys.modules[COUNTRIES] = countries
    holidays.__dict__["countries"] = countries  # what importing the submodule binds
