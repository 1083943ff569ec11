"""A flight's life (guide §4.1, §5): open for registration until its signup deadline, then testing."""

TASK_QUEUE = "flightrak-flights"
