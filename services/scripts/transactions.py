"""A reported transaction: its fields checked, and whether it is the one a script issue's step waits for.
No I/O."""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from flightrak import boundary
from flightrak.copying import same_named
from services.scripts import models, packs, x12
from workflows.scripts import models as m

LABELS = {
    "transaction_id": "Transaction ID",
    "type": "Transaction Type",
    "sender_duns": "Sender DUNS",
    "receiver_duns": "Receiver DUNS",
    "esi_id": "ESI ID",
    "reference": "Reference",
    "answers_reference": "Answers Reference",
}
_TYPE = re.compile(r"[0-9]{3}(?:_[0-9]{2})?")
_DUNS = re.compile(r"[0-9]{9}(?:[0-9]{4})?")
_ESI_ID = re.compile(r"10[0-9]{15}(?:[0-9]{5})?")


@dataclass(frozen=True)
class Reported:
    """One transaction as a system reported it, whether as JSON or inside an X12 interchange, trimmed."""

    type: str
    sender_duns: str
    receiver_duns: str
    reference: str
    esi_id: str = ""
    answers_reference: str = ""
    valid: bool = True
    reasons: tuple[str, ...] = ()
    transaction_id: str = ""
    item_id: int = 0

    @classmethod
    def of(cls, report) -> "Reported":
        """From a TransactionReport."""
        return cls(
            type=report.type.strip(),
            sender_duns=report.sender_duns.strip(),
            receiver_duns=report.receiver_duns.strip(),
            reference=report.reference.strip(),
            esi_id=report.esi_id.strip(),
            answers_reference=report.answers_reference.strip(),
            valid=report.valid,
            reasons=tuple(reason.strip() for reason in report.reasons if reason.strip()),
            transaction_id=report.transaction_id.strip(),
            item_id=report.item_id,
        )

    @classmethod
    def of_x12(cls, receipt: x12.TexasSetReceipt) -> "Reported":
        """An accepted X12 transaction set: whether it passed validation, and why not, as the set says."""
        return cls(
            type=receipt.texas_set_name,
            **same_named(receipt, "sender_duns", "receiver_duns", "reference", "esi_id", "answers_reference"),
            valid=receipt.passed,
            reasons=receipt.reasons,
        )


def problems_of(report: Reported) -> dict[str, str]:
    problems = {}
    if len(report.transaction_id) > 100:
        problems["transaction_id"] = "is at most 100 characters"
    if not _TYPE.fullmatch(report.type):
        problems["type"] = f"'{report.type[:20]}' must be a transaction type such as 814_01, 867_03 or 997"
    for name in ("sender_duns", "receiver_duns"):
        if not _DUNS.fullmatch(getattr(report, name)):
            problems[name] = "must be 9 digits (DUNS) or 13 (DUNS+4)"
    if report.esi_id and not _ESI_ID.fullmatch(report.esi_id):
        problems["esi_id"] = "must be 17 or 22 digits starting with 10"
    if not report.reference:
        problems["reference"] = (
            "is required: the sender's own reference (BGN02; a 997's control numbers ISA13-GS06-ST02), which "
            "with the sender makes a transaction sent twice count once"
        )
    for name in ("reference", "answers_reference"):
        if len(getattr(report, name)) > 100:
            problems[name] = "is at most 100 characters"
    return problems


def key_of(sender_duns: str, reference: str) -> str:
    """A kept transaction's name: its sender and the sender's own reference. The script issue remembers it by
    this name, the Unmatched Transactions report shows it, and ERCOT attaches it to a script issue by it."""
    return f"{sender_duns}:{reference}"


def receipt_of(kept: models.Transaction) -> m.TransactionReceipt:
    """What the script issue is signalled; its ID is the transaction's key, which the workflow remembers so a
    receipt signalled twice moves nothing twice."""
    return m.TransactionReceipt(
        key_of(kept.sender_duns, kept.reference),
        kept.type,
        kept.sender_duns,
        kept.receiver_duns,
        kept.esi_id,
        kept.reference,
        kept.valid,
        list(kept.reasons),
    )


def on_premise(kept: models.Transaction, issue: models.ScriptIssue) -> bool:
    """A script run on test-bed premises takes only transactions naming one of them (or naming none)."""
    return not issue.esi_ids or not kept.esi_id or kept.esi_id in issue.esi_ids


TAKEN_SHOWN = 5  # steps named when every step a transaction could take is taken


def why_unmatched(kept: models.Transaction, between: list, taken: Sequence[tuple] = (), taken_count: int = 0) -> str:
    """Why no script issue took the transaction, in words ERCOT and the participants act on; `between` are the
    open script issues of its sender's or receiver's, `taken` the steps of theirs that transactions like it
    claimed (store.steps_taken_alike), `taken_count` how many there are."""
    if not between:
        return (
            f"wrong party: no open script issue has {kept.sender_duns} and {kept.receiver_duns} as its CR or TDSP "
            "(or the CR's service provider)"
        )
    if kept.esi_id and not any(kept.esi_id in issue.esi_ids for issue, _ in between if issue.esi_ids):
        return f"unknown ESI ID {kept.esi_id}: it is in no approved test bed of the scripts between these parties"
    if taken:
        named = "; ".join(
            f"item {item_id} step {step} took {key_of(sender_duns, reference)}"
            for item_id, step, sender_duns, reference in taken[:TAKEN_SHOWN]
        )
        more = f"; and {taken_count - TAKEN_SHOWN} more" if taken_count > TAKEN_SHOWN else ""
        return (
            f"no free step: every step that waits for a {kept.type} from {kept.sender_duns} to {kept.receiver_duns} "
            f"on an open script issue between them already has its own ({named}{more})"
        )
    return (
        f"no script expects this type now: no open script between these parties waits for a {kept.type} "
        f"from {kept.sender_duns} to {kept.receiver_duns}, now or at a later step"
    )


def parties_match(kept: models.Transaction, issue: models.ScriptIssue, fields: dict, ercot_duns: str) -> bool:
    """Whether the transaction went between the parties the issue's current step names, on its premise."""
    return on_premise(kept, issue) and _between(
        kept, issue, fields.get("expects_sender", ""), fields.get("expects_receiver", ""), ercot_duns
    )


def steps_expecting(
    kept: models.Transaction, issue: models.ScriptIssue, script: packs.Script, step: int, ercot_duns: str
) -> list[int]:
    """The steps of the script (1-based) from `step` (the issue's current one) on that expect this transaction:
    systems are quick, and ERCOT's 814_03 may be reported before the issue has recorded the 814_01 before it.
    The issue keeps it until that step comes."""
    if not on_premise(kept, issue):
        return []
    first = max(step, 1)
    return [
        number
        for number, ends_by in enumerate((s.ends_by for s in script.steps[first - 1 :]), start=first)
        if isinstance(ends_by, packs.Transaction)
        and ends_by.type == kept.type
        and _between(kept, issue, ends_by.sender, ends_by.receiver, ercot_duns)
    ]


def likeliest_first(kept: models.Transaction, candidates: list) -> list:
    """Of several issues that could take a transaction: first those already working on its premise (ESI ID),
    then those begun, each longest waiting first (the order they come in)."""

    def key(candidate) -> tuple[bool, bool]:
        fields = candidate[1].fields
        same_premise = bool(kept.esi_id) and fields.get("esi_id") == kept.esi_id
        return (not same_premise, current_step(fields) == 0)

    return sorted(candidates, key=key)


def current_step(fields: dict) -> int:
    """The issue's step from its item's "k of n" (0 before Begin Working)."""
    shown = fields.get("step", "0 of 0").split(" of ")[0]
    return int(shown) if boundary.is_number(shown) else 0


def _between(kept: models.Transaction, issue: models.ScriptIssue, sender: str, receiver: str, ercot_duns: str) -> bool:
    def duns_of(party: str) -> set[str]:
        if party in (m.CR, m.SP):
            return {issue.cr_duns, issue.sp_duns} - {""}
        return {issue.tdsp_duns} if party == m.TDSP else {ercot_duns}

    return kept.sender_duns in duns_of(sender) and kept.receiver_duns in duns_of(receiver)
