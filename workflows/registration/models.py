"""States, actions, fields and inputs of a flight registration; shared by its workflow and the service."""

from dataclasses import dataclass, field

from workflows.flight.models import (  # noqa: F401  (shared by both flows)
    RECORD_ITEM_TRANSITION,
    TESTBED_TASK_QUEUE,
    FlightContext,
)
from workflows.items import ActionInput, ItemStatus

ITEM_TYPE = "Flight Registration"

# States, in the guide's words.
PENDING_SUBMITTAL = "Pending Submittal"
REGISTRATION_REVIEW = "Registration Review (ERCOT)"
PENDING_SCRIPT_ASSIGNMENT = "Pending Script Assignment"
CANCELLED = "Cancelled (Inactive)"

OK = "ok"  # the first OK, which creates the registration in Pending Submittal
MODIFY = "modify"
SUBMIT = "submit"
WITHDRAW = "withdraw"
RETURN_TO_CR = "return_to_cr"
APPROVE = "approve"
CANCEL = "cancel"

# The form's sections. Contacts are user IDs of the CR's active users (plus an optional distribution
# list); the registration information and the Service Provider are what a DUNS+4 CR must share with its
# parent to test under the parent's umbrella.
CONTACT_FIELDS = ("primary_contact", "secondary_contact", "testing_contact", "business_contact_list")
INFORMATION_FIELDS = ("customer_classes", "tdsps", "edi_system", "bank_name")
SERVICE_PROVIDER = "service_provider"  # an SP's DUNS, or "self" when the CR runs its own EDI
EXISTING_CR_FIELDS = ("changing_banks", "system_change")
UMBRELLA_FIELDS = (*INFORMATION_FIELDS, SERVICE_PROVIDER)
FORM_FIELDS = (*CONTACT_FIELDS, *INFORMATION_FIELDS, SERVICE_PROVIDER, *EXISTING_CR_FIELDS)
# The form's labels, for the pages and for errors that name a field.
FIELD_LABELS = {
    "primary_contact": "Primary Contact",
    "secondary_contact": "Secondary Contact",
    "testing_contact": "Testing Contact",
    "business_contact_list": "Business Contact Distribution List",
    "customer_classes": "Customer Classes",
    "tdsps": "TDSPs",
    "edi_system": "EDI System",
    "bank_name": "Bank",
    "service_provider": "Service Provider",
    "changing_banks": "Changing Banks",
    "system_change": "System Change",
    "flight": "Flight",
    "comment": "Comment",
}
# Fields the service derives (names for the DUNS and IDs chosen, the umbrella decision).
SERVICE_PROVIDER_NAME = "service_provider_name"
CONFIDENTIAL_FIELDS = frozenset({SERVICE_PROVIDER, SERVICE_PROVIDER_NAME})

# Activity names: the registration service records; the testbed service opens the CR's specs request.
RECORD_TEST_PAIRINGS = "registration.record_test_pairings"
OPEN_SPECIFICATIONS_REQUEST = "testbed.open_testing_specifications_request"


@dataclass
class RegistrationInput:
    item_id: int
    flight: str
    cr_duns: str
    cr_name: str
    flight_context: FlightContext  # the flight when the registration starts; its workflow then says each change


RegistrationAction = ActionInput


@dataclass
class Company:
    duns: str
    name: str


@dataclass
class TestPairings:
    flight: str
    registration_item_id: int
    cr: Company
    service_provider: Company  # empty DUNS when the CR runs its own EDI
    tdsps: list[Company]


@dataclass
class SpecificationsRequest:
    """Opens the CR's Request for Testing Specifications, and each paired TDSP's if it has none yet."""

    flight: str
    registration_item_id: int
    cr: Company
    service_provider: Company
    tdsps: list[Company] = field(default_factory=list)
    # Which scripts the CR runs (issue 5's packs): new_cr, or for an existing CR bank_change / system_change.
    pairing_kinds: list[str] = field(default_factory=lambda: ["new_cr"])


RegistrationStatus = ItemStatus
