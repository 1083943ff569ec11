def flight_workflow_id(designation: str) -> str:
    return f"flight-{designation}"
