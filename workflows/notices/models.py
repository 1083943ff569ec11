"""States, actions, fields and inputs of a market notice; shared by its workflow and the registration service."""

from dataclasses import dataclass, field

from workflows import owners
from workflows.items import Actor, ItemTransition

ITEM_TYPE = "Market Notice"

DRAFT = "Draft"
PUBLISHED = "Published"
SUPERSEDED = "Superseded"
DISCARDED = "Discarded"

# Actions, named as in the flow's table (workflows.notices.rules.FLOW) and as the workflow's updates.
SAVE = "save"  # the first OK, which creates the draft
EDIT = "edit"
PUBLISH = "publish"
DISCARD = "discard"
ACKNOWLEDGE = "acknowledge"
REISSUE = "reissue"  # not an update of this notice: the service opens a new draft that links to it
SUPERSEDE = "superseded"  # the signal a published reissue sends the notice it replaces, and the step it takes

# What ERCOT writes, in the order of ERCOT's notices; the labels name a field on the form and in errors.
FIELD_LABELS = {
    "notice_date": "Notice Date",
    "notice_type": "Notice Type",
    "short_description": "Short Description",
    "audience": "Intended Audience",
    "days_affected": "Day(s) Affected",
    "long_description": "Long Description",
    "action_required": "Action Required",
    "additional_information": "Additional Information",
    "contact": "Contact",
    "flight": "Flight",
    "reissue_of": "Reissue Of",
}
FORM_FIELDS = tuple(FIELD_LABELS)
TEXT_FIELDS = ("short_description", "long_description", "action_required", "additional_information", "contact")
NOTICE_TYPES = (
    "NPRR",
    "Testing",
    "Retail Processing",
    "Settlements",
    "Outages",
    "System Change",
    "Informational",
    "Market Rules",
    "Operations",
    "Emergency",
)
# Kinds of participant a notice may address, and how a notice names them.
AUDIENCE_KINDS = {"QSE": "QSEs", "CR": "CRs", "TDSP": "TDSPs", "SP": "SPs", "NOIE": "NOIEs"}

# Mail rounds: the publication, then at most one reminder to the companies that have not acknowledged.
PUBLICATION = "publication"
REMINDER = "reminder"

# Activity names: the registration service records a step (on the notice's queue) and delivers mail (its own queue).
RECORD_NOTICE_STEP = "registration.record_notice_step"
# A notice's steps are the registration service's to record, by an activity of their own.
OWNER = owners.Owner(RECORD_NOTICE_STEP, owners.REGISTRATION.record_attention)
DELIVER_NOTICE_MAIL = "registration.deliver_notice_mail"
MAIL_TASK_QUEUE = "flightrak-notice-mail"


@dataclass
class NoticeInput:
    item_id: int
    title: str = ""


@dataclass
class Addressee:
    """A company the notice is addressed to, and where its mail goes."""

    duns: str
    name: str
    kind: str
    lists: list[str] = field(default_factory=list)


@dataclass
class Publication:
    """What the service settled before Publish: the ERCOT notice ID, the companies addressed, the reminder."""

    notice_id: str
    addressees: list[Addressee]
    reminder_at: str = ""  # ISO 8601; empty: no reminder (no action required, or too late for one)
    reissue_of_item_id: int = 0
    notice_date: str = ""  # YYYY-MM-DD: the day of publication, unless ERCOT dated the notice itself


@dataclass
class NoticeAction:
    """Every action of a notice: who acts, the form's fields (OK, Edit), the comment, and Publish's publication."""

    actor: Actor
    fields: dict[str, str] = field(default_factory=dict)
    comment: str = ""
    publication: Publication | None = None


@dataclass
class Supersession:
    notice_id: str
    item_id: int


@dataclass
class NoticeStep:
    """One step of a notice, and what it adds to the notice's own tables in the same transaction."""

    transition: ItemTransition
    addressees: list[Addressee] = field(default_factory=list)  # at publication
    acknowledged_duns: str = ""
    mail_round: str = ""  # queue the mail of this round for `mailed_duns`
    mailed_duns: list[str] = field(default_factory=list)


@dataclass
class MailRound:
    item_id: int
    round: str


@dataclass
class MailResult:
    accepted: int
    unsubscribed: int = 0


@dataclass
class NoticeStatus:
    item_id: int
    state: str
    notice_id: str
    acknowledged: list[str]
    pending: list[str]
    reminded: bool
