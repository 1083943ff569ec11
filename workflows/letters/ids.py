def letter_workflow_id(flight: str, cr_duns: str) -> str:
    """One letter per CR and flight: drafting it twice is a no-op."""
    return f"letter-{flight}-{cr_duns}"
