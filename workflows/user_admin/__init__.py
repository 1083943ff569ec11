"""User administration requests (guide §3): Add New User, Update User, Delete User."""

TASK_QUEUE = "flightrak-user-admin"
