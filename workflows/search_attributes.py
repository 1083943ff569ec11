"""FlighTrak's custom search attributes, as the Temporal UI shows them to operations."""

from temporalio.common import SearchAttributeKey, SearchAttributeUpdate

ITEM_ID = SearchAttributeKey.for_keyword("FlightrakItemId")
ITEM_TYPE = SearchAttributeKey.for_keyword("FlightrakItemType")
ITEM_STATE = SearchAttributeKey.for_keyword("FlightrakState")
COMPANY_DUNS = SearchAttributeKey.for_keyword("FlightrakCompanyDuns")
RESPONSIBLE_PARTY = SearchAttributeKey.for_keyword("FlightrakResponsibleParty")
FLIGHT = SearchAttributeKey.for_keyword("FlightrakFlight")
CR_DUNS = SearchAttributeKey.for_keyword("FlightrakCrDuns")
TDSP_DUNS = SearchAttributeKey.for_keyword("FlightrakTdspDuns")
SCRIPT_ID = SearchAttributeKey.for_keyword("FlightrakScriptId")
# The Service Provider acting for the item's CR, for operators to filter an SP's tasks; shown in no FlighTrak page.
SERVICE_PROVIDER = SearchAttributeKey.for_keyword("FlightrakServiceProvider")
# A Bool, not a Keyword: the dev server's SQLite visibility has no room for another Keyword.
NEEDS_ATTENTION = SearchAttributeKey.for_bool("FlightrakNeedsAttention")

# SQLite visibility (the dev server) allows at most 10 Keyword attributes.
KEYWORDS = (
    ITEM_ID,
    ITEM_TYPE,
    ITEM_STATE,
    COMPANY_DUNS,
    RESPONSIBLE_PARTY,
    FLIGHT,
    CR_DUNS,
    TDSP_DUNS,
    SCRIPT_ID,
    SERVICE_PROVIDER,
)
ALL = (*KEYWORDS, NEEDS_ATTENTION)


def service_provider(duns: str) -> SearchAttributeUpdate[str]:
    """The SP's DUNS, or no attribute when the CR runs its own EDI (an SP removed by a Modify is cleared)."""
    return SERVICE_PROVIDER.value_set(duns) if duns else SERVICE_PROVIDER.value_unset()


def cli_type(key: SearchAttributeKey) -> str:
    """The type's name as `temporal server start-dev --search-attribute Name=Type` takes it."""
    return key.indexed_value_type.name.title()
