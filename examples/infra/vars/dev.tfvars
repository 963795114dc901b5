# Layer 2 of 4: every team and scope in dev.
log_retention_days = 7
