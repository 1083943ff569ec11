"""Qualification letters (issue 17): one per CR and flight, drafted by FlighTrak from the CR's script issues and
approved by ERCOT. Its workflow runs on the scripts queue, whose worker hosts the scripts service's activities."""

from workflows.scripts import TASK_QUEUE

__all__ = ["TASK_QUEUE"]
