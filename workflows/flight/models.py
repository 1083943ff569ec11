"""States, actions and inputs of a flight; shared by its workflow and the registration service."""

from dataclasses import dataclass

from workflows import owners
from workflows.items import ActionInput

ITEM_TYPE = "Flight"

# States, in the words the item page and the reports show.
OPEN = "Open for Registration"
CLOSED = "Registration Closed"
CONNECTIVITY_TESTING = "Connectivity Testing"
BUSINESS_TESTING = "Business Testing"
COMPLETE = "Complete"
# Registration closed and testing not yet over: the Active Flights report.
ACTIVE_STATES = (CLOSED, CONNECTIVITY_TESTING, BUSINESS_TESTING)
TESTING_STATES = (CONNECTIVITY_TESTING, BUSINESS_TESTING, COMPLETE)

CREATE = "create"
CHANGE_DATES = "change_dates"
CLOSE_REGISTRATION = "close_registration"
OPEN_CONNECTIVITY_TESTING = "open_connectivity_testing"
OPEN_BUSINESS_TESTING = "open_business_testing"
COMPLETE_FLIGHT = "complete_flight"
FIELD_LABELS = {
    "designation": "Flight Designation",
    "signup_deadline": "Flight Signup Deadline",
    "signup_deadline_time": "Registration closes at",
    "day1_of_testing": "Day 1 of Testing",
    "end_date": "End Date",
}
DATE_FIELDS = ("signup_deadline", "signup_deadline_time", "day1_of_testing", "end_date")

# Activity names: the contract between the flight and registration workflows and the registration service,
# whose activities the workflow worker hosts on the flows' own queues.
RECORD_ITEM_TRANSITION = owners.REGISTRATION.record_item_transition
# Served by the testbed service on its own task queue: which TDSP test beds ERCOT has not approved yet.
TEST_BEDS_MISSING = "testbed.test_beds_missing"
TESTBED_TASK_QUEUE = "flightrak-testbed"
FLIGHT_PAIRINGS = "testbed.flight_pairings"
# Served by the scripts service on its queue: the latest published pack's version (0: none), and opening issues.
PACK_VERSION = "scripts.pack_version"
OPEN_SCRIPT_ISSUES = "scripts.open_script_issues"
SCRIPTS_TASK_QUEUE = "flightrak-scripts"


# Each registration tells its flight it exists; the flight tells each of them its state and deadline, now and on
# every change, so a registration decides on what the flight's workflow holds.
REGISTERED = "registered"
FLIGHT_CHANGED = "flight_changed"


@dataclass
class FlightContext:
    """What the flight is now, for a registration's rules."""

    state: str
    registration_closes_at: str  # ISO 8601 with the Central offset


@dataclass
class FlightDates:
    signup_deadline: str  # YYYY-MM-DD
    registration_closes_at: str  # the instant, ISO 8601 with offset
    day1_of_testing: str
    end_date: str

    @classmethod
    def of(cls, fields: dict[str, str]) -> "FlightDates":
        return cls(
            fields["signup_deadline"], fields["registration_closes_at"], fields["day1_of_testing"], fields["end_date"]
        )

    def as_fields(self) -> dict[str, str]:
        return {
            "signup_deadline": self.signup_deadline,
            "registration_closes_at": self.registration_closes_at,
            "day1_of_testing": self.day1_of_testing,
            "end_date": self.end_date,
        }


@dataclass
class FlightInput:
    item_id: int
    designation: str
    dates: FlightDates
    ercot_duns: str


# Every action on a flight: who acts, the new dates (Change Dates: FlightDates.as_fields()), the comment.
FlightAction = ActionInput


@dataclass
class FlightStatus:
    item_id: int
    designation: str
    state: str
    dates: FlightDates


@dataclass
class TestBedsMissing:
    __test__ = False  # not a pytest test class

    tdsps: int  # TDSPs with a request for testing specifications in the flight
    missing: list[str]  # "name (state)" of each whose test bed is not approved
