def specifications_workflow_id(flight: str, duns: str) -> str:
    return f"specifications-{flight}-{duns}"
