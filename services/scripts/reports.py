"""The Current Flight Tasks and Flight Progress dashboards' reports (guide §4.2, §4.6), with the guide's
columns. Each report's rows are chosen in SQL (store.report_statement) by what the caller may see and what the
report lists; here they become the guide's columns."""

from collections.abc import Iterable

from sqlalchemy import Row

from flightrak import authz, tokens
from flightrak.market_time import central_text
from services.scripts import transactions

# Rows of every flight unless the reader picks one: each report that is not one flight's picture names its flight.
TASK_COLUMNS = [
    "Item ID",
    "Flight",
    "CR Involved",
    "TDSP Involved",
    "Title",
    "Parent Script Issue",
    "State",
    "Responsible Party",
    "Current Instructions",
]
REPORTS = {
    "scripts-ready-to-begin": (
        "Scripts that are Ready to Begin",
        ["Item ID", "Flight", "Script ID", "State", "Testing Partner"],
    ),
    "my-script-tasks": ("My Script Tasks", TASK_COLUMNS),
    "ercot-script-tasks": ("ERCOT Script Tasks", [TASK_COLUMNS[0], "Last State Change Date", *TASK_COLUMNS[1:]]),
    "testing-partner-script-tasks": ("Testing Partner Script Tasks", TASK_COLUMNS),
    "active-script-issues": (
        "Active Script Issues",
        ["Item ID", "Flight", "CR Involved", "TDSP Involved", "Script ID", "State"],
    ),
    "completed-script-issues": (
        "Completed Script Issues",
        ["Item ID", "Flight", "Script ID", "Testing Partner for CR"],
    ),
    "flight-progress-active-script-issues": (
        "Active Script Issues",
        ["Item ID", "CR Involved", "TDSP Involved", "Script ID", "ESIID", "State"],
    ),
    "flight-progress-completed-script-issues": (
        "Completed Script Issues",
        ["Item ID", "CR Involved", "Script ID", "Testing Partner for CR"],
    ),
    "unmatched-transactions": (
        "Unmatched Transactions",
        [
            "Received",
            "Transaction Type",
            "Sender DUNS",
            "Receiver DUNS",
            "ESI ID",
            "Reference",
            "Validation",
            "Why Unmatched",
            "Transaction",  # its key, <sender DUNS>:<reference>, as ERCOT attaches it to a script issue by hand
        ],
    ),
    "refused-transactions": (
        "Refused X12",
        ["Received", "Refused", "Control Number", "Segments", "Problems", "Reported By"],
    ),
    "flight-progress-summary": (
        "Flight Progress by Participant",
        ["Participant", "Role", "Script Passed", "Active", "Not Started", "Failed or Not Completed"],
    ),
}


def partner_name(caller: tokens.Principal, row: Row) -> str:
    cr, tdsp = row.cr_name or "", row.tdsp_name or ""
    in_pairing = (authz.acts_for_cr(caller, row.cr_duns, row.sp_duns), caller.duns == row.tdsp_duns)
    if in_pairing == (True, False):
        return tdsp
    if in_pairing == (False, True):
        return cr
    return f"{cr} / {tdsp}"


def report_rows(name: str, caller: tokens.Principal, found: Iterable[Row]) -> list[list]:
    """store.report_statement's rows in the report's columns."""
    rows = []
    for row in found:
        cr, tdsp = row.cr_name or "", row.tdsp_name or ""
        task = [
            row.item_id,
            row.flight,
            cr,
            tdsp,
            row.title,
            row.parent_item_id or "",
            row.state,
            row.responsible_party,
            row.instructions,
        ]
        if name == "scripts-ready-to-begin":
            rows.append([row.item_id, row.flight, row.script_id, row.state, partner_name(caller, row)])
        elif name in ("my-script-tasks", "testing-partner-script-tasks"):
            rows.append(task)
        elif name == "ercot-script-tasks":
            rows.append([row.item_id, central_text(row.updated_at), *task[1:]])
        elif name == "active-script-issues":
            rows.append([row.item_id, row.flight, cr, tdsp, row.script_id, row.state])
        elif name == "completed-script-issues":
            rows.append([row.item_id, row.flight, row.script_id, tdsp])
        elif name == "flight-progress-active-script-issues":
            esi_ids = row.esi_id or ", ".join(row.esi_ids)  # the one its transactions name, else its test bed's
            rows.append([row.item_id, cr, tdsp, row.script_id, esi_ids, row.state])
        elif name == "flight-progress-completed-script-issues":
            rows.append([row.item_id, cr, row.script_id, tdsp])
    return rows


def summary_rows(counted: Iterable, names: dict[int, tuple[str, str]]) -> list[list]:
    """Per CR and per TDSP: scripts passed, active (begun), not started (Ready to Begin), failed or not completed,
    from store.progress_statement's counts per pairing and store.progress_names."""
    counts: dict[tuple[str, str], list[int]] = {}
    for _cr_duns, _tdsp_duns, standing, issues, item_id in counted:
        cr, tdsp = names.get(item_id, ("", ""))
        for participant in ((cr, "CR"), (tdsp, "TDSP")):
            counts.setdefault(participant, [0, 0, 0, 0])[standing] += issues
    ordered = sorted(counts.items(), key=lambda entry: (entry[0][1], entry[0][0].casefold()))
    return [[participant, role, *numbers] for (participant, role), numbers in ordered]


def unmatched_rows(found: Iterable) -> list[list]:
    return [
        [
            central_text(kept.received_at),
            kept.type,
            kept.sender_duns,
            kept.receiver_duns,
            kept.esi_id,
            kept.reference,
            "passed" if kept.valid else f"failed: {'; '.join(kept.reasons)}",
            kept.unmatched_reason,
            transactions.key_of(kept.sender_duns, kept.reference),
        ]
        for kept in found
    ]


def refused_rows(found: Iterable) -> list[list]:
    return [
        [
            central_text(refused.received_at),
            refused.level,
            refused.control_number,
            f"{refused.first_position}-{refused.last_position}",
            "; ".join(f"segment {p['position']} ({p['segment_id']}): {p['reason']}" for p in refused.problems),
            refused.reported_by,
        ]
        for refused in found
    ]
