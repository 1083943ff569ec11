def notice_workflow_id(item_id: int) -> str:
    """A notice's ERCOT ID is given at publication; its workflow is named by its Item ID from the draft on."""
    return f"notice-{item_id}"
