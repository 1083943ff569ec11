"""The Current Flight Tasks and Flight Progress dashboards' reports (guide §4.2, §4.6), with the guide's
columns. Each report's rows are chosen in SQL (store.report_statement) by what the caller may see and what the
report lists; here they become the guide's columns."""

from collections.abc import Iterable

from flightrak import tokens
from services.scripts import models
from workflows.scripts import models as m
from workflows.scripts import rules

TASK_COLUMNS = [
    "Item ID",
    "CR Involved",
    "TDSP Involved",
    "Title",
    "Parent Script Issue",
    "State",
    "Responsible Party",
    "Current Instructions",
]
REPORTS = {
    "scripts-ready-to-begin": ("Scripts that are Ready to Begin", ["Item ID", "Script ID", "State", "Testing Partner"]),
    "my-script-tasks": ("My Script Tasks", TASK_COLUMNS),
    "ercot-script-tasks": ("ERCOT Script Tasks", [TASK_COLUMNS[0], "Last State Change Date", *TASK_COLUMNS[1:]]),
    "testing-partner-script-tasks": ("Testing Partner Script Tasks", TASK_COLUMNS),
    "active-script-issues": ("Active Script Issues", ["Item ID", "CR Involved", "TDSP Involved", "Script ID", "State"]),
    "completed-script-issues": ("Completed Script Issues", ["Item ID", "Script ID", "Testing Partner for CR"]),
    "flight-progress-active-script-issues": (
        "Active Script Issues",
        ["Item ID", "CR Involved", "TDSP Involved", "Script ID", "ESIID", "State"],
    ),
    "flight-progress-completed-script-issues": (
        "Completed Script Issues",
        ["Item ID", "CR Involved", "Script ID", "Testing Partner for CR"],
    ),
    "flight-progress-summary": (
        "Flight Progress by Participant",
        ["Participant", "Role", "Script Passed", "Active", "Not Started", "Failed or Not Completed"],
    ),
}


def partner_name(caller: tokens.Principal, issue: models.ScriptIssue, item: models.Item) -> str:
    pairing = m.Pairing(issue.flight, issue.cr_duns, "", issue.tdsp_duns, "", issue.sp_duns)
    parties = rules.parties_of(caller, pairing)
    cr, tdsp = item.fields.get("cr_name", ""), item.fields.get("tdsp_name", "")
    if m.CR in parties and m.TDSP not in parties:
        return tdsp
    if m.TDSP in parties and m.CR not in parties:
        return cr
    return f"{cr} / {tdsp}"


def report_rows(name: str, caller: tokens.Principal, found: Iterable[tuple[models.ScriptIssue, models.Item]]):
    rows = []
    for issue, item in found:
        fields = item.fields
        cr, tdsp = fields.get("cr_name", ""), fields.get("tdsp_name", "")
        task = [
            item.item_id,
            cr,
            tdsp,
            item.title,
            issue.parent_item_id or "",
            item.state,
            item.responsible_party,
            item.instructions,
        ]
        if name == "scripts-ready-to-begin":
            rows.append([item.item_id, issue.script_id, item.state, partner_name(caller, issue, item)])
        elif name in ("my-script-tasks", "testing-partner-script-tasks"):
            rows.append(task)
        elif name == "ercot-script-tasks":
            rows.append([item.item_id, item.updated_at.date().isoformat(), *task[1:]])
        elif name == "active-script-issues":
            rows.append([item.item_id, cr, tdsp, issue.script_id, item.state])
        elif name == "completed-script-issues":
            rows.append([item.item_id, issue.script_id, tdsp])
        elif name == "flight-progress-active-script-issues":
            rows.append([item.item_id, cr, tdsp, issue.script_id, fields.get("esi_id", ""), item.state])
        elif name == "flight-progress-completed-script-issues":
            rows.append([item.item_id, cr, issue.script_id, tdsp])
    return rows


def summary_rows(counted: Iterable[tuple[str, str, int, int]]) -> list[list]:
    """Per CR and per TDSP: scripts passed, active (begun), not started (Ready to Begin), failed or not completed,
    from store.progress_statement's counts per pairing."""
    counts: dict[tuple[str, str], list[int]] = {}
    for cr, tdsp, standing, issues in counted:
        for participant in ((cr or "", "CR"), (tdsp or "", "TDSP")):
            counts.setdefault(participant, [0, 0, 0, 0])[standing] += issues
    ordered = sorted(counts.items(), key=lambda entry: (entry[0][1], entry[0][0].casefold()))
    return [[participant, role, *numbers] for (participant, role), numbers in ordered]
