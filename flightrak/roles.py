"""The roles a user may hold within their own company, as stored and as people read them."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flightrak.tokens import Principal

ERCOT_ADMIN = "ercot_admin"
ERCOT_REVIEWER = "ercot_reviewer"
MP_ADMIN = "mp_admin"
AR = "ar"
BAR = "bar"
USER = "user"

ROLE_LABELS = {
    ERCOT_ADMIN: "ERCOT Admin",
    ERCOT_REVIEWER: "ERCOT Reviewer",
    MP_ADMIN: "MP Admin",
    AR: "AR",
    BAR: "BAR",
    USER: "User",
}
ERCOT_ROLES = frozenset({ERCOT_ADMIN, ERCOT_REVIEWER})
PARTICIPANT_ROLES = frozenset({MP_ADMIN, AR, BAR, USER})
ALL_ROLES = ERCOT_ROLES | PARTICIPANT_ROLES

# A transaction-processing system ERCOT registered: its token names no person and holds this role only.
TRANSACTION_SYSTEM = "transaction_system"
SYSTEM_COMPANY_KIND = "SYSTEM"
SYSTEM_USER_PREFIX = "system:"


def is_transaction_system(principal: "Principal") -> bool:
    """The caller is a registered transaction-processing system (signed in with its key), not a person."""
    return (
        principal.company_kind == SYSTEM_COMPANY_KIND
        and principal.user_id.startswith(SYSTEM_USER_PREFIX)
        and principal.roles == frozenset({TRANSACTION_SYSTEM})
    )
