"""The Current Flight Tasks dashboard's reports (guide §4.2), with the guide's columns, from the items the
caller may see. Pure: rows in, rows out."""

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
}
# Which reports list closed items (None: both).
CLOSED = {"completed-script-issues": True, "scripts-ready-to-begin": False, "active-script-issues": False}


def my_parties(caller: tokens.Principal, issue: models.ScriptIssue) -> frozenset[str]:
    pairing = m.Pairing(issue.flight, issue.cr_duns, "", issue.tdsp_duns, "", issue.sp_duns)
    return rules.parties_of(caller, pairing)


def partner_name(caller: tokens.Principal, issue: models.ScriptIssue, item: models.Item) -> str:
    parties = my_parties(caller, issue)
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
        parties = my_parties(caller, issue)
        is_script = item.item_type == m.SCRIPT_ISSUE
        task = [
            item.item_id,
            fields.get("cr_name", ""),
            fields.get("tdsp_name", ""),
            item.title,
            issue.parent_item_id or "",
            item.state,
            item.responsible_party,
            item.instructions,
        ]
        responsible = item.responsible_party
        if name == "scripts-ready-to-begin":
            if is_script and item.state == m.READY_TO_BEGIN and responsible in parties:
                rows.append([item.item_id, issue.script_id, item.state, partner_name(caller, issue, item)])
        elif name == "my-script-tasks":
            if not item.closed and item.state != m.READY_TO_BEGIN and responsible in parties:
                rows.append(task)
        elif name == "ercot-script-tasks":
            if not item.closed and responsible == m.ERCOT:
                rows.append([item.item_id, item.updated_at.date().isoformat(), *task[1:]])
        elif name == "testing-partner-script-tasks":
            partners = {rules.partner_of(p) for p in parties & {m.CR, m.TDSP}}
            if not item.closed and responsible in partners and responsible not in parties:
                rows.append(task)
        elif name == "active-script-issues":
            if is_script and not item.closed:
                rows.append(
                    [item.item_id, fields.get("cr_name", ""), fields.get("tdsp_name", ""), issue.script_id, item.state]
                )
        elif name == "completed-script-issues" and is_script and item.closed:
            rows.append([item.item_id, issue.script_id, fields.get("tdsp_name", "")])
    return rows
