"""The words a script issue and a script pack share: parties, the states the tool sets itself and its own
buttons. No imports, so the pack reader (services/scripts/packs.py) stays free of the workflow runtime."""

# Parties. The SP acts for the CR that selected it; a step's responsible party may name it.
CR, TDSP, ERCOT, SP = "CR", "TDSP", "ERCOT", "SP"
PARTIES = (CR, TDSP, ERCOT, SP)

# A script issue's own states, around the pack's step states.
READY_TO_BEGIN = "Ready to Begin"
SCRIPT_PASSED = "Script Passed"
SCRIPT_FAILED = "Script Failed"
NOT_COMPLETED = "Not Completed"
ESCALATED_TO_ERCOT = "Escalated to ERCOT"
ESCALATED_TO_PARTNER = "Escalated to Testing Partner"
OWN_STATES = (READY_TO_BEGIN, SCRIPT_PASSED, SCRIPT_FAILED, NOT_COMPLETED, ESCALATED_TO_ERCOT, ESCALATED_TO_PARTNER)

# A script issue's own buttons (a step's action named like one would show two alike).
BEGIN_WORKING_LABEL = "Begin Working"
ESCALATE_TO_ERCOT_LABEL = "Escalate to ERCOT"
ESCALATE_TO_PARTNER_LABEL = "Escalate to Testing Partner"
RESOLVE_LABEL = "Resolve Escalation"
MARK_FAILED_LABEL = "Mark Failed"
OWN_BUTTONS = (
    BEGIN_WORKING_LABEL,
    ESCALATE_TO_ERCOT_LABEL,
    ESCALATE_TO_PARTNER_LABEL,
    RESOLVE_LABEL,
    MARK_FAILED_LABEL,
)

# Which pairings run a script: a CR testing as new, after a bank change or after a system change, with a TDSP
# that is an investor-owned utility or a municipal utility or electric co-op.
PAIRING_KINDS = ("new_cr", "bank_change", "system_change")
TDSP_TYPES = ("iou", "muni_coop")


def pairing_runs(runs_for, tdsp_types, pairing_kinds, tdsp_type: str) -> bool:
    """Whether a pairing runs a script: one of its kinds is one the script runs for, and its TDSP's type is one
    of the script's. The script issues a flight opens and the test beds it fills follow this one rule."""
    return tdsp_type in tdsp_types and any(kind in runs_for for kind in pairing_kinds)
