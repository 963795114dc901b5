# Provider-free demo root module: terraform_data and locals stand in for real
# resources, so it plans and applies without downloading a provider.
# A real root module would add:
#
#   provider "aws" {
#     region = var.region
#   }
#
# and nothing else: credentials come from the pipeline (AWS_PROFILE), never
# from variables.

locals {
  name = "${var.team}-${var.environment}-${var.region}"

  tags = {
    Owner       = var.owner
    Team        = var.team
    Environment = var.environment
    CostCenter  = var.cost_center
    Release     = var.release_version
  }
}

resource "terraform_data" "service" {
  input = {
    name               = local.name
    account            = var.account
    log_retention_days = var.log_retention_days
    tags               = local.tags
  }
}

resource "terraform_data" "replica" {
  count = var.replicas

  input = {
    name    = "${local.name}-replica-${count.index}"
    service = terraform_data.service.output.name
  }
}
