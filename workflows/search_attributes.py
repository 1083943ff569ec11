"""FlighTrak's custom search attributes, as the Temporal UI shows them to operations."""

from temporalio.common import SearchAttributeKey

ITEM_ID = SearchAttributeKey.for_keyword("FlightrakItemId")
ITEM_TYPE = SearchAttributeKey.for_keyword("FlightrakItemType")
ITEM_STATE = SearchAttributeKey.for_keyword("FlightrakState")
COMPANY_DUNS = SearchAttributeKey.for_keyword("FlightrakCompanyDuns")
RESPONSIBLE_PARTY = SearchAttributeKey.for_keyword("FlightrakResponsibleParty")
FLIGHT = SearchAttributeKey.for_keyword("FlightrakFlight")
CR_DUNS = SearchAttributeKey.for_keyword("FlightrakCrDuns")
TDSP_DUNS = SearchAttributeKey.for_keyword("FlightrakTdspDuns")
SCRIPT_ID = SearchAttributeKey.for_keyword("FlightrakScriptId")

# SQLite visibility (the dev server) allows at most 10 Keyword attributes.
ALL = (ITEM_ID, ITEM_TYPE, ITEM_STATE, COMPANY_DUNS, RESPONSIBLE_PARTY, FLIGHT, CR_DUNS, TDSP_DUNS, SCRIPT_ID)
