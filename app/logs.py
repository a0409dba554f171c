"""The processes' logging: one line per record on stderr, at the level LEDGERPORT_LOG_LEVEL
names, with what would put personal data or secrets in a log line kept out.

Kept out, whatever the level: SQLAlchemy's statement and row lines (rows are orders' payloads;
the engines also hide bound parameters from error messages), aiosqlite's per-call lines (they
show the call's arguments), httpx's and httpcore's request lines (a QBO query names the buyer
being looked up, an OAuth exchange carries its code) and uvicorn's access log (its request
line holds the query string: OAuth codes and states, search terms). The API writes its own
access line instead, without the query string (app.api.access_log)."""

from __future__ import annotations

import logging.config

# Loggers that may only report problems: below WARNING they print what they carry.
QUIET = ("sqlalchemy", "aiosqlite", "asyncpg", "httpx", "httpcore", "hpack", "multipart")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure(level: str) -> None:
    """Sets up the root logger at `level` (idempotent: a second call replaces the first)."""
    loggers: dict[str, dict[str, object]] = {
        name: {"level": "WARNING", "propagate": True} for name in QUIET
    }
    # Silenced outright, and without handlers, so uvicorn (which writes its access line only
    # when the logger has a handler) does not even format it.
    loggers["uvicorn.access"] = {"level": "CRITICAL", "propagate": False, "handlers": []}
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"line": {"format": FORMAT}},
            "handlers": {
                "stderr": {
                    "class": "logging.StreamHandler",
                    "formatter": "line",
                    "stream": "ext://sys.stderr",
                }
            },
            "root": {"level": level, "handlers": ["stderr"]},
            "loggers": loggers,
        }
    )
