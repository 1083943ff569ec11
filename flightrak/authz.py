"""Who may do what: the shared, pure rules every service and workflow applies."""

from flightrak import roles
from flightrak.tokens import Principal


def may_administer_users(actor: Principal, company_duns: str) -> bool:
    """An MP Admin of that company, or ERCOT's admin, may add, change or deactivate its users."""
    if actor.is_ercot_admin:
        return True
    return actor.duns == company_duns and actor.has(roles.MP_ADMIN)


def may_see_company_users(actor: Principal, company_duns: str) -> bool:
    """A company's users are visible to its own users and to ERCOT staff."""
    return actor.is_ercot or actor.duns == company_duns


def may_manage_companies(actor: Principal) -> bool:
    """ERCOT creates companies and their first MP Admin, and assigns roles such as AR/BAR."""
    return actor.is_ercot_admin


def may_manage_transaction_systems(actor: Principal) -> bool:
    """ERCOT's admins register the systems that report transactions, rotate their keys and deactivate them."""
    return actor.is_ercot_admin


def may_register(actor: Principal, cr_duns: str) -> bool:
    """Only the CR's Authorized Representative or Backup registers for, or withdraws from, a flight."""
    is_cr = actor.company_kind == "CR"
    return is_cr and actor.duns == cr_duns and (actor.has(roles.AR) or actor.has(roles.BAR))


def may_review_registrations(actor: Principal) -> bool:
    return actor.is_ercot


def may_run_flights(actor: Principal) -> bool:
    """ERCOT's admins create flights, move their dates and open each testing phase."""
    return actor.is_ercot_admin


def may_see_service_provider(actor: Principal, cr_duns: str, sp_duns: str) -> bool:
    """Who a CR chose as its Service Provider is confidential: the CR, that SP and ERCOT only."""
    return actor.is_ercot or actor.duns == cr_duns or (bool(sp_duns) and actor.duns == sp_duns)


def may_see_registration(actor: Principal, cr_duns: str, sp_duns: str, paired_tdsps: frozenset[str]) -> bool:
    """The CR, its SP and ERCOT see a registration whole; a TDSP it pairs with sees it without the SP."""
    return may_see_service_provider(actor, cr_duns, sp_duns) or actor.duns in paired_tdsps


def may_manage_distribution_lists(actor: Principal, company_duns: str) -> bool:
    """A company's distribution lists are kept by whoever administers its users."""
    return may_administer_users(actor, company_duns)


def may_operate_flows(actor: Principal) -> bool:
    """ERCOT's staff see the flows that need attention and retry or cancel them."""
    return actor.is_ercot
