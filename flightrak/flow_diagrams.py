"""docs/flows.md: each flow's table drawn as a Mermaid state diagram, for ERCOT's staff to read. Written from the
tables themselves (`python -m flightrak.flow_diagrams`); `--check` fails when the committed page has drifted."""

import sys
from pathlib import Path

from workflows.flight.rules import FLOW as FLIGHT
from workflows.letters.rules import FLOW as QUALIFICATION_LETTER
from workflows.notices.rules import FLOW as MARKET_NOTICE
from workflows.registration.rules import FLOW as REGISTRATION
from workflows.scripts.rules import FLOW as SCRIPT_ISSUE
from workflows.scripts.rules import P2P_FLOW as P2P_SUB_FLOW
from workflows.specifications.rules import CR_FLOW as CR_SPECIFICATIONS
from workflows.specifications.rules import TDSP_FLOW as TDSP_SPECIFICATIONS
from workflows.table import Flow
from workflows.user_admin.rules import FLOW as USER_ADMIN

PAGE = Path(__file__).resolve().parent.parent / "docs" / "flows.md"
FLOWS: list[Flow] = [
    FLIGHT,
    REGISTRATION,
    MARKET_NOTICE,
    CR_SPECIFICATIONS,
    TDSP_SPECIFICATIONS,
    USER_ADMIN,
    SCRIPT_ISSUE,
    P2P_SUB_FLOW,
    QUALIFICATION_LETTER,
]


def _section(flow: Flow) -> str:
    rows = "\n".join(
        f"| {action.label} | {', '.join(s or 'New' for s in action.starts_from)} | "
        f"{', '.join(dict.fromkeys(action.to(s) for s in action.starts_from))} | "
        f"{action.not_yours.removeprefix('only ')} | {'yes' if action.needs_comment else ''} |"
        for action in flow.actions.values()
    )
    return (
        f"## {flow.item_type}{f' ({flow.item_kind})' if flow.item_kind else ''}\n\n```mermaid\n{flow.diagram()}```\n\n"
        f"Each step is written by the activity `{flow.owner.record_item_transition}`"
        f"{f' on the queue `{flow.owner.task_queue}`' if flow.owner.task_queue else ''}; a step that keeps failing is "
        f"marked by `{flow.owner.record_attention}` (the names the Temporal UI shows).\n\n"
        "| Action | From | To | Who may take it | Needs a comment |\n|---|---|---|---|---|\n"
        f"{rows}\n"
    )


def render() -> str:
    intro = (
        "# FlighTrak's flows\n\n"
        "Written by `python -m flightrak.flow_diagrams` from each flow's table (`workflows/<flow>/rules.py`), which\n"
        "the workflow, the item's buttons and the service all read; CI fails when this page and the tables differ.\n\n"
    )
    return intro + "\n".join(_section(flow) for flow in FLOWS)


if __name__ == "__main__":
    if sys.argv[1:] == ["--check"]:
        if not PAGE.exists() or PAGE.read_text() != render():
            sys.exit("docs/flows.md is out of date; run `python -m flightrak.flow_diagrams`")
        print("docs/flows.md matches the flows' tables")
    else:
        PAGE.write_text(render())
        print(f"wrote {PAGE}")
