variable "env" {
  description = "Environment of the release (factory: layout.variables env -> environment)."
  type        = string
}

variable "region" {
  description = "Region the release deploys to (factory: layout.variables region -> targetRegion)."
  type        = string
}

variable "team" {
  type = string
}

variable "vpc_cidr" {
  type    = string
  default = "10.40.0.0/16"
}
