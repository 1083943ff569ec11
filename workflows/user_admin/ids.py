def user_request_workflow_id(item_id: int) -> str:
    return f"user-request-{item_id}"
