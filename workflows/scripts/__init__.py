"""Script issues (one per pairing x script of a flight's pack) and their P2P sub-flows (guide §7)."""

TASK_QUEUE = "flightrak-scripts"
