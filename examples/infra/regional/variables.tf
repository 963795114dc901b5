# Set by every pipeline action as TF_VAR_* (see docs/local-runner.md).
variable "region" {
  description = "AWS region this release targets (the tag's region)."
  type        = string
}

variable "account" {
  description = "Workload account of the team in this environment."
  type        = string
}

variable "environment" {
  description = "Environment of the release (dev, qa, staging, prod)."
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

# Set by the layered tfvars files under vars/.
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

variable "replicas" {
  description = "Replicas in this region (vars/<env>/<team>/<region>.tfvars)."
  type        = number
  default     = 1
}
