# Layer 1 of 4: every environment, team and scope.
owner              = "platform-team"
log_retention_days = 30
