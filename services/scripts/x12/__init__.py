"""Texas SET transactions as ANSI X12 004010 interchanges: `read_interchange` turns what the market sends into
receipts, refusing what X12 practice refuses (with each problem's segment position and reason, and the refused
text kept); `write_interchange` builds an interchange from receipts. The codes that name a transaction (814_01,
867_03 ...) are data in texas_set_names.csv and texas_set_parties.csv, and what a 997's codes mean in
acknowledgement_codes.csv. No I/O besides reading those three files."""

from services.scripts.x12.acknowledgements import reference_of as acknowledgement_reference
from services.scripts.x12.names import texas_set_names
from services.scripts.x12.reader import read_interchange
from services.scripts.x12.receipts import ERCOT_DUNS, RefusedPart, Separators, TexasSetReceipt, new_receipt
from services.scripts.x12.writer import write_interchange

__all__ = [
    "ERCOT_DUNS",
    "RefusedPart",
    "Separators",
    "TexasSetReceipt",
    "acknowledgement_reference",
    "new_receipt",
    "read_interchange",
    "texas_set_names",
    "write_interchange",
]
