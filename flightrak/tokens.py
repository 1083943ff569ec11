"""Short-lived signed tokens naming the caller: user, company DUNS, roles and the session they belong to.

The identity service issues them; every service verifies them on every RPC, and asks whether their session is
still current (flightrak/sessions.py): a signature alone outlives a sign-out or a deactivation.
"""

import time
from dataclasses import dataclass

import jwt

from flightrak import roles

ALGORITHM = "HS256"
ISSUER = "flightrak-identity"


class InvalidToken(Exception):
    pass


@dataclass(frozen=True)
class Principal:
    user_id: str
    duns: str
    roles: frozenset[str]
    name: str
    company_kind: str
    expires_at: int = 0
    session_id: str = ""

    @property
    def is_ercot(self) -> bool:
        return bool(self.roles & roles.ERCOT_ROLES)

    @property
    def is_ercot_admin(self) -> bool:
        return roles.ERCOT_ADMIN in self.roles

    def has(self, role: str) -> bool:
        return role in self.roles


def issue(principal: Principal, secret: str, ttl_seconds: int, now: float | None = None) -> tuple[str, int]:
    issued = int(now if now is not None else time.time())
    expires = issued + ttl_seconds
    claims = {
        "iss": ISSUER,
        "sub": principal.user_id,
        "duns": principal.duns,
        "roles": sorted(principal.roles),
        "name": principal.name,
        "kind": principal.company_kind,
        "sid": principal.session_id,
        "iat": issued,
        "exp": expires,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM), expires


def verify(token: str, secret: str) -> Principal:
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], issuer=ISSUER, options={"require": ["exp", "sub"]}
        )
    except jwt.PyJWTError as error:
        raise InvalidToken(str(error)) from error
    return Principal(
        user_id=claims["sub"],
        duns=claims["duns"],
        roles=frozenset(claims.get("roles", [])),
        name=claims.get("name", ""),
        company_kind=claims.get("kind", ""),
        expires_at=claims["exp"],
        session_id=str(claims.get("sid", "")),
    )
