"""Every process's log: one format, and secrets redacted from every line, tracebacks included.

An unexpected error is logged once, under an incident ID that the caller is told; the line holds the detail (class,
message, traceback) with password and key hashes, tokens, keys and set-password links replaced by their kind.
"""

import logging
import re
import secrets

# What never reaches a log line as it is, each with the word that stands in for it.
_SECRETS = (
    (re.compile(r"\$argon2(?:id|i|d)\$[^\s'\",)]*"), "[argon2 hash]"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), "[token]"),
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+"), "Bearer [token]"),
    (re.compile(r"\bftsys_[A-Za-z0-9_]+"), "[system key]"),
    (re.compile(r"\bftcal_[A-Za-z0-9_-]+"), "[calendar token]"),
    (re.compile(r"(?i)([?&]token=)[^\s&'\"]+"), r"\1[link token]"),
    (
        re.compile(r"(?i)(['\"]?(?:password|password_hash|key_hash|token_hash|token|key|secret)['\"]?\s*[:=]\s*)"
                   r"(['\"])(?:(?!\2).)*\2"),
        r"\1\2[redacted]\2",
    ),
)


def redact(text: str) -> str:
    for pattern, stand_in in _SECRETS:
        text = pattern.sub(stand_in, text)
    return text


def new_incident() -> str:
    """A short ID a person can read out to ERCOT's operators, and find in the log."""
    return secrets.token_hex(6)


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup(process: str, level: int = logging.INFO) -> None:
    """The root logger of a FlighTrak process: one line per record, named by process, secrets redacted."""
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter(f"%(asctime)s {process} %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # uvicorn's own loggers keep their handlers unless told to pass records up to ours.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
