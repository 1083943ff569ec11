"""A market notice (DOMAIN "Market notices"): Draft -> Published, mailed to the addressed companies' lists,
acknowledged per company when it requires action, reminded before the day affected, superseded by a reissue."""

TASK_QUEUE = "flightrak-notices"
