"""The roles a user may hold within their own company, as stored and as people read them."""

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
