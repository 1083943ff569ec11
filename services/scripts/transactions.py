"""A reported transaction: its fields checked, and whether it is the one a script issue's step waits for.
No I/O."""

import re

from services.scripts import models, packs
from workflows.scripts import models as m

LABELS = {
    "transaction_id": "Transaction ID",
    "type": "Transaction Type",
    "sender_duns": "Sender DUNS",
    "receiver_duns": "Receiver DUNS",
    "esi_id": "ESI ID",
    "reference": "Reference",
}
_TYPE = re.compile(r"[0-9]{3}(?:_[0-9]{2})?")
_DUNS = re.compile(r"[0-9]{9}(?:[0-9]{4})?")
_ESI_ID = re.compile(r"10[0-9]{15}(?:[0-9]{5})?")


def problems_of(report) -> dict[str, str]:
    problems = {}
    if not report.transaction_id.strip():
        problems["transaction_id"] = "is required: the reporting system's own ID, so a report sent twice counts once"
    elif len(report.transaction_id.strip()) > 100:
        problems["transaction_id"] = "is at most 100 characters"
    if not _TYPE.fullmatch(report.type.strip()):
        problems["type"] = f"'{report.type[:20]}' must be a transaction type such as 814_01, 867_03 or 997"
    for name in ("sender_duns", "receiver_duns"):
        if not _DUNS.fullmatch(getattr(report, name).strip()):
            problems[name] = "must be 9 digits (DUNS) or 13 (DUNS+4)"
    if report.esi_id.strip() and not _ESI_ID.fullmatch(report.esi_id.strip()):
        problems["esi_id"] = "must be 17 or 22 digits starting with 10"
    if len(report.reference) > 100:
        problems["reference"] = "is at most 100 characters"
    return problems


def parties_match(kept: models.Transaction, issue: models.ScriptIssue, fields: dict, ercot_duns: str) -> bool:
    """Whether the transaction went between the parties the issue's current step names."""
    return _between(kept, issue, fields.get("expects_sender", ""), fields.get("expects_receiver", ""), ercot_duns)


def expected_from_now_on(
    kept: models.Transaction, issue: models.ScriptIssue, script: packs.Script, step: int, ercot_duns: str
) -> bool:
    """Whether a step of the script from `step` (1-based; the issue's current one) on expects this transaction:
    systems are quick, and ERCOT's 814_03 may be reported before the issue has recorded the 814_01 before it.
    The issue keeps it until that step comes."""
    return any(
        isinstance(ends_by, packs.Transaction)
        and ends_by.type == kept.type
        and _between(kept, issue, ends_by.sender, ends_by.receiver, ercot_duns)
        for ends_by in (s.ends_by for s in script.steps[max(step, 1) - 1 :])
    )


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
    return int(shown) if shown.isdigit() else 0


def _between(kept: models.Transaction, issue: models.ScriptIssue, sender: str, receiver: str, ercot_duns: str) -> bool:
    def duns_of(party: str) -> set[str]:
        if party in (m.CR, m.SP):
            return {issue.cr_duns, issue.sp_duns} - {""}
        return {issue.tdsp_duns} if party == m.TDSP else {ercot_duns}

    return kept.sender_duns in duns_of(sender) and kept.receiver_duns in duns_of(receiver)
