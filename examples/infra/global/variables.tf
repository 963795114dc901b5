# Set by every pipeline action as TF_VAR_* (see docs/local-runner.md). For a
# `<env>_global/...` tag, region is factory.yaml's globalRegion.
variable "region" {
  description = "Region global resources are managed from (factory globalRegion)."
  type        = string
}

variable "account" {
  description = "Workload account of the team in this environment."
  type        = string
}

variable "environment" {
  description = "Environment of the release."
  type        = string
}

variable "team" {
  description = "Team that owns this state."
  type        = string
}

variable "release_version" {
  description = "Version part of the release tag."
  type        = string
}

variable "owner" {
  description = "Owner tag value (vars/common.tfvars)."
  type        = string
}

variable "log_retention_days" {
  description = "Log retention of the environment (vars/<env>.tfvars)."
  type        = number
  default     = 30
}

variable "cost_center" {
  description = "Cost center of the team (vars/<env>/<team>.tfvars)."
  type        = string
  default     = "unassigned"
}

variable "roles" {
  description = "Account-level roles to manage (vars/<env>/<team>/global.tfvars)."
  type        = list(string)
  default     = []
}
