"""A CR's registration for one flight (guide §5): Pending Submittal -> ERCOT review -> approved."""

TASK_QUEUE = "flightrak-registrations"
