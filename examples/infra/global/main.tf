# Provider-free demo of account-level ("global") resources, deployed by
# `<env>_global/<team>/<version>` tags. With a real provider these would be
# aws_iam_role resources and the like.

locals {
  tags = {
    Owner       = var.owner
    Team        = var.team
    Environment = var.environment
    CostCenter  = var.cost_center
    Release     = var.release_version
  }
}

resource "terraform_data" "account_baseline" {
  input = {
    account            = var.account
    home_region        = var.region
    log_retention_days = var.log_retention_days
    tags               = local.tags
  }
}

resource "terraform_data" "role" {
  for_each = toset(var.roles)

  input = {
    name    = "${var.team}-${each.key}"
    account = terraform_data.account_baseline.output.account
  }
}
