"""Temporal workflow definitions (deterministic code only) and their worker."""
