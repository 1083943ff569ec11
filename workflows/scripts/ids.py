def script_issue_workflow_id(flight: str, cr_duns: str, tdsp_duns: str, script_id: str) -> str:
    return f"script-{flight}-{cr_duns}-{tdsp_duns}-{script_id}"


def p2p_workflow_id(parent_item_id: int, step: int) -> str:
    """A script issue's P2P sub-flow for its step `step` (1-based); one per step."""
    return f"p2p-{parent_item_id}-{step}"
