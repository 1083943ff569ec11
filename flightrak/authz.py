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
