"""Who may do what: the shared, pure rules every service and workflow applies."""

from typing import TypeVar

from flightrak import roles
from flightrak.tokens import Principal

# A DUNS: a value (one item) or a column (a query).
T = TypeVar("T")


def may_administer_users(actor: Principal, company_duns: str) -> bool:
    """An MP Admin of that company, or ERCOT's admin, may add, change or deactivate its users."""
    if actor.is_ercot_admin:
        return True
    return actor.duns == company_duns and actor.has(roles.MP_ADMIN)


def may_see_company_users(actor: Principal, company_duns: str) -> bool:
    """A company's users are visible to its own users and to ERCOT staff."""
    return may_read(actor, company_readers(company_duns))


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
    return actor.is_ercot or acts_for_cr(actor, cr_duns, sp_duns)


def acts_for_cr(actor: Principal, cr_duns: str, sp_duns: str) -> bool:
    """The actor's company is the CR, or the Service Provider acting for it (cr_side)."""
    return bool(actor.duns) and actor.duns in cr_side(cr_duns, sp_duns)


# Who reads an item, kind by kind: the DUNS of its parties that may, besides ERCOT's staff, who read every item.
# Each takes an item's parties either as its values (may_read, for one item) or as its table's columns and
# subqueries (flightrak.visibility.readable_where, for every query of the kind), so the item page, its lists, its
# reports and their exports keep one rule. A party given as a collection (or a subquery) is each of its DUNS.
# Flights are read by every signed-in user: they have no readers function.


def cr_side(cr_duns: T, sp_duns: T) -> tuple[T, T]:
    """An SP acts for the CR that chose it: the two read (and work) the CR's items."""
    return (cr_duns, sp_duns)


def company_readers(company_duns: T) -> tuple[T]:
    """A company's users and its user-admin requests: that company's users."""
    return (company_duns,)


def registration_readers(cr_duns: T, sp_duns: T, paired_tdsps) -> tuple:
    """A registration: its CR and SP; and each TDSP it pairs with once ERCOT approved it, which the Test Pairings
    report links to it (guide §4.5), shown without the SP (domain.visible_fields)."""
    return (*cr_side(cr_duns, sp_duns), paired_tdsps)


def specifications_readers(company_duns: T, sp_duns: T, paired_crs, their_sps) -> tuple:
    """A Request for Testing Specifications: its company and the SP acting for it; a TDSP's request also the CRs
    paired with it in that flight and their SPs, who test against its specifications and whose CR Scripts Test
    Bed report links it."""
    return (*cr_side(company_duns, sp_duns), paired_crs, their_sps)


def pairing_readers(cr_duns: T, sp_duns: T, tdsp_duns: T) -> tuple[T, T, T]:
    """What a CR x TDSP pairing does (its script issues, their P2P sub-flows, its CR Scripts Test Bed rows, its
    Test Pairings row): the CR, the SP acting for it and the TDSP."""
    return (*cr_side(cr_duns, sp_duns), tdsp_duns)


def letter_readers(cr_duns: T, sp_duns: T) -> tuple[T, T]:
    """A CR's qualification letter: the CR and the SP acting for it (the PDF only once ERCOT approved it)."""
    return cr_side(cr_duns, sp_duns)


def notice_readers(addressed_companies) -> tuple:
    """A market notice, once published: the companies of its audience."""
    return (addressed_companies,)


def transaction_readers(sender_duns: T, receiver_duns: T) -> tuple[T, T]:
    """A transaction ERCOT received: its sender and its receiver."""
    return (sender_duns, receiver_duns)


def may_read(actor: Principal, readers: tuple) -> bool:
    """One item's check of a readers function's answer: ERCOT's staff, or a company among the readers."""
    if actor.is_ercot:
        return True
    named = {duns for reader in readers for duns in ((reader,) if isinstance(reader, str) else reader)}
    return bool(actor.duns) and actor.duns in named


def may_manage_distribution_lists(actor: Principal, company_duns: str) -> bool:
    """A company's distribution lists are kept by whoever administers its users."""
    return may_administer_users(actor, company_duns)


def may_operate_flows(actor: Principal) -> bool:
    """ERCOT's staff see the flows that need attention and retry or cancel them."""
    return actor.is_ercot
