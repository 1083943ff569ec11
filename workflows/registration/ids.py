def registration_workflow_id(flight: str, cr_duns: str) -> str:
    return f"registration-{flight}-{cr_duns}"
