"""The one logging set-up: nothing personal, nothing forged, nothing unbounded (issue 8 item 2).

Decisions, as a bank's security team would take them:

- **Our code** (``bot``, ``handlers``, ``storage``) logs references, ids, counts and exception
  type names only; its messages pass, escaped and bounded.
- **Libraries** (slack-bolt, slack_sdk, the Agents SDK, SQLAlchemy, aiohttp…) are not ours to
  trust: slack-bolt writes the whole body of a request that fails its signature check at INFO,
  slack_sdk writes request bodies at DEBUG, pydantic errors quote their input. So a library's
  record is dropped below WARNING whatever ``LOG_LEVEL`` says, and at WARNING and above only a
  plain sentence survives: a message built from arguments keeps its template with the values
  replaced by ``…``, and a message that carries structure (braces, quotes, ``=``, ``:``,
  ``@``…) is withheld, with its length.
- **Exceptions** are logged as their type and the frames they passed through, never their
  message (a database error's message holds the SQL and its values; a validation error's holds
  the input). Database errors name their cause in words (``storage.db.describe_error``).
- **Every line** is one line: control characters, line and paragraph separators and bidi
  controls are escaped (``\\n`` → ``\\x0a``), so an unauthenticated caller cannot inject a log line;
  messages are cut at ``MAX_MESSAGE`` characters and lines at ``MAX_LINE``.
- Email addresses and ``field=value`` pairs naming a personal field (``storage.personal``) are
  masked wherever they appear, as a last line of defence.
- ``LOG_FORMAT=json`` writes one JSON object a line for log shippers.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
import unicodedata
from datetime import UTC, datetime
from types import TracebackType
from typing import TextIO

from storage import personal

OWN = frozenset({"bot", "handlers", "storage", "privacy_desk", "__main__"})
LIBRARY_FLOOR = logging.WARNING
MAX_MESSAGE = 1000
MAX_LINE = 4000
MAX_FRAMES = 8
PLAIN_LIBRARY_MESSAGE = 200

_STRUCTURED = re.compile(r"[{}\[\]<>=\"'@:;|\\]")
_TEMPLATE_ARG = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[diouxXeEfFgGcrsa]")
_EMAIL = re.compile(r"[^\s<>\"'(),;:]+@[^\s<>\"'(),;:]+\.[A-Za-z]{2,}")
_PERSONAL_PAIR = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, personal.NAMES), key=len, reverse=True)) + r")"
    r"(\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|\S+)"
)


def escape(text: str) -> str:
    """``text`` with every control, format and separator character written as ``\\xNN`` /
    ``\\uNNNN``, so a log line is always exactly one line and reads as what it is."""
    out = []
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def bound(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…[{len(text) - limit} more characters cut]"


def mask(text: str) -> str:
    """Email addresses and ``personal_field=value`` pairs, masked."""
    text = _EMAIL.sub("[email]", text)
    return _PERSONAL_PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}[withheld]", text)


def is_own(name: str) -> bool:
    return name.split(".", 1)[0] in OWN


def message_of(record: logging.LogRecord) -> str:
    """What may be written of ``record``'s message."""
    if is_own(record.name):
        try:
            text = record.getMessage()
        except (TypeError, ValueError):
            text = str(record.msg)
        return mask(text)
    template = str(record.msg)
    if record.args:  # the library's own words stay; the values it was given do not
        return mask(_TEMPLATE_ARG.sub("…", template))
    if len(template) <= PLAIN_LIBRARY_MESSAGE and not _STRUCTURED.search(template):
        return mask(template)
    return f"(library message withheld: {len(template)} characters that may hold request data)"


ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


def exception_of(exc_info: ExcInfo | None) -> str | None:
    """An exception as its type (and, for database errors, the cause in words) and its frames
    — never its message, which may quote SQL values or the input that failed validation."""
    if not exc_info or exc_info[1] is None:
        return None
    from storage.db import describe_error  # lazy: storage.db imports SQLAlchemy

    exc = exc_info[1]
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(parts) < 3:
        seen.add(id(current))
        cause = describe_error(current)
        frames = traceback.extract_tb(current.__traceback__)
        # Our own frames say where it went wrong; the innermost says what raised it.
        shown = [f for f in frames if _ours(f.filename)][-MAX_FRAMES:] + frames[-1:]
        if len(shown) > 1 and shown[-1] is shown[-2]:
            shown.pop()
        where = " < ".join(f"{_short(f.filename)}:{f.lineno} {f.name}" for f in reversed(shown))
        parts.append(
            f"{type(current).__name__}"
            + (f" ({cause})" if cause else "")
            + (f" at {where}" if where else "")
        )
        current = current.__cause__ or current.__context__
    return " caused by ".join(parts)


def _ours(filename: str) -> bool:
    path = filename.replace("\\", "/")
    return "site-packages" not in path and any(f"/{p}/" in path for p in OWN)


def _short(filename: str) -> str:
    for marker in ("/site-packages/", "/privacy-desk/", "/src/"):
        if marker in filename:
            return filename.rsplit(marker, 1)[1]
    parts = filename.replace("\\", "/").split("/")
    return "/".join(parts[-2:])


class LibraryFloor(logging.Filter):
    """Drops library records below WARNING, whatever the configured level."""

    def filter(self, record: logging.LogRecord) -> bool:
        return is_own(record.name) or record.levelno >= LIBRARY_FLOOR


class SafeFormatter(logging.Formatter):
    """Formats a record as one bounded, escaped line of text or JSON."""

    def __init__(self, *, as_json: bool = False) -> None:
        super().__init__()
        self.as_json = as_json

    def format(self, record: logging.LogRecord) -> str:
        try:
            return self._format(record)
        except Exception as exc:  # never let logging print the record raw (its handleError)
            return f"log record from {escape(record.name)} not formatted: {type(exc).__name__}"

    def _format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds")
        message = escape(bound(message_of(record), MAX_MESSAGE))
        error = exception_of(record.exc_info)
        error = escape(bound(error, MAX_LINE // 2)) if error else None
        if self.as_json:
            entry: dict[str, str] = {
                "time": when,
                "level": record.levelname,
                "logger": escape(record.name),
                "message": message,
            }
            if error:
                entry["exception"] = error
            return bound(json.dumps(entry, ensure_ascii=True), MAX_LINE)
        line = f"{when} {record.levelname} {escape(record.name)}: {message}"
        return bound(line + (f" | {error}" if error else ""), MAX_LINE)


class SafeHandler(logging.StreamHandler[TextIO]):
    def handleError(self, record: logging.LogRecord) -> None:
        """The stdlib prints the record's message and arguments to stderr here: not ours."""
        stream = sys.__stderr__
        if stream is not None:
            stream.write(f"privacy-desk: a log line for {escape(record.name)} was lost\n")


def configure_logging(
    *, level: str = "WARNING", fmt: str = "text", stream: TextIO | None = None
) -> None:
    """Install the one handler on the root logger (replacing any other), at ``level``."""
    handler = SafeHandler(stream or sys.stderr)
    handler.setFormatter(SafeFormatter(as_json=str(fmt) == "json"))
    handler.addFilter(LibraryFloor())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(str(level).upper())
    logging.captureWarnings(True)
