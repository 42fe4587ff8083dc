"""Who may use the API from a browser: allowed origins, trusted host names, JSON writes.

studycore runs on the learner's machine while the learner's browser visits other
sites. Three rules keep those sites out:

- CORS answers only the allowed origins (loopback by default), so no other page can
  read a response or get a preflighted write through;
- a write that carries a disallowed ``Origin`` is 403, and every write must be
  ``Content-Type: application/json``, so the "simple" requests any page can send
  without a preflight (forms, ``no-cors`` fetches, ``sendBeacon``) never reach a view;
- only loopback host names and ``TRUSTED_HOSTS`` are served, so a page that rebinds
  its own name to 127.0.0.1 (DNS rebinding, past any CORS policy) gets no data.

Each refusal is decided from the request line and headers, before any body is read.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flask import Flask, Response, current_app, jsonify, request
from flask_cors import CORS
from werkzeug.exceptions import SecurityError

log = logging.getLogger("web.security")

# The loopback origins, on any port: where the portal's own clients run.
_ANY_PORT = r"(?::[0-9]{1,5})?"
LOOPBACK_ORIGINS = tuple(
    re.compile(f"{re.escape(origin)}{_ANY_PORT}\\Z", re.IGNORECASE)
    for origin in ("http://localhost", "http://127.0.0.1", "http://[::1]")
)
# Served by default, with any port. Werkzeug's trusted-host match cuts every name at
# its first colon, so an IPv6 literal such as [::1] cannot be listed (docs/operations.md).
LOOPBACK_HOSTS = ("localhost", "127.0.0.1")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
EVERYTHING = "*"
# The contract's words for a body that is not JSON (SPEC section 4), naming the header.
NOT_JSON = "Invalid request body: Content-Type must be application/json"
# An origin as a browser sends it: scheme://host[:port], nothing after; or "null".
_ORIGIN = re.compile(r"[a-z][a-z0-9+.-]*://[^/?#\s]+|null", re.IGNORECASE)

# A setting as configuration gives it: a comma-separated string, or a list.
OriginSetting = str | Sequence[str | re.Pattern[str]] | None
HostSetting = str | Sequence[str] | None


@dataclass(frozen=True)
class OriginPolicy:
    """The origins a browser page may call from: one definition for CORS and the 403.

    Every entry is an anchored pattern, so ``http://localhost.evil.example`` is not
    ``http://localhost`` (flask-cors matches a pattern at the start of the origin only).
    """

    patterns: tuple[re.Pattern[str], ...]
    any_origin: bool = False

    @classmethod
    def from_setting(cls, setting: OriginSetting) -> OriginPolicy:
        """``CORS_ORIGINS``: ``None`` for loopback, ``*``, or origins (or compiled patterns)."""
        if setting is None:
            return cls(LOOPBACK_ORIGINS)
        entries = _entries(setting)
        if entries == [EVERYTHING]:
            return cls((), any_origin=True)
        return cls(tuple(_origin_pattern(entry) for entry in entries))

    def allows(self, origin: str) -> bool:
        """Whether a page of ``origin`` may read responses and write."""
        return self.any_origin or any(pattern.match(origin) for pattern in self.patterns)

    def cors_origins(self) -> str | list[re.Pattern[str]]:
        """The ``origins`` option of flask-cors for this policy."""
        return EVERYTHING if self.any_origin else list(self.patterns)


def trusted_hosts(setting: HostSetting) -> list[str] | None:
    """Flask's ``TRUSTED_HOSTS`` for a setting: the loopback names and the configured ones.

    Names as Flask takes them (``.example.com`` also matches its subdomains; a port is
    ignored); ``*`` serves every host name (``None``, Flask's "no check").
    """
    names = [str(name) for name in _entries(setting or [])]
    return None if names == [EVERYTHING] else [*LOOPBACK_HOSTS, *names]


def init_app(app: Flask) -> None:
    """Answer CORS for the allowed origins only; set the trusted hosts; warn when open."""
    policy = OriginPolicy.from_setting(app.config["CORS_ORIGINS"])
    app.extensions["web.origins"] = policy
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config["TRUSTED_HOSTS"])
    # Every path: the portal's frontend also calls /words, /groups, /dashboard… (no /api).
    CORS(app, resources={r"/*": {"origins": policy.cors_origins()}})
    if policy.any_origin:
        log.warning(
            "CORS_ORIGINS is '*': every web page the learner's browser opens can read and"
            " change the study data"
        )
    if app.config["TRUSTED_HOSTS"] is None:
        log.warning(
            "TRUSTED_HOSTS is '*': every Host name is served, so a DNS-rebinding page can"
            " reach the API as its own origin"
        )


def refuse_foreign_requests() -> Response | None:
    """A before-request check: the JSON refusal of a foreign host, origin or write body.

    Runs before any body is read; ``None`` lets the request through.
    """
    if isinstance(request.routing_exception, SecurityError):  # Flask's TRUSTED_HOSTS check
        return _refusal(400, "Host not allowed: add it to TRUSTED_HOSTS")
    if request.method not in WRITE_METHODS:
        return None
    origin = request.headers.get("Origin")
    policy: OriginPolicy = current_app.extensions["web.origins"]
    if origin is not None and not policy.allows(origin):
        return _refusal(403, "Origin not allowed: add it to CORS_ORIGINS")
    if request.routing_exception is None and not request.is_json:
        return _refusal(400, NOT_JSON)
    return None


def _refusal(status: int, message: str) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    return response


def _entries(setting: str | Iterable[str | re.Pattern[str]]) -> list[str | re.Pattern[str]]:
    """The entries of a comma-separated string or of a list, stripped, blanks left out."""
    items = setting.split(",") if isinstance(setting, str) else setting
    stripped = (item.strip() if isinstance(item, str) else item for item in items)
    return [item for item in stripped if item != ""]


def _origin_pattern(entry: str | re.Pattern[str]) -> re.Pattern[str]:
    """A pattern is used as given; an origin matches only itself (any letter case)."""
    if isinstance(entry, re.Pattern):
        return entry
    if not _ORIGIN.fullmatch(entry):
        raise ValueError(
            f"CORS_ORIGINS: {entry!r} is not an origin (scheme://host[:port], no path)"
        )
    return re.compile(f"{re.escape(entry)}\\Z", re.IGNORECASE)
