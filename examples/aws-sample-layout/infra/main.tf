# One root module for every release, as in aws-samples/aws-sample-infra-resources-terraform: the factory picks
# module.regional or module.global with -target (layout.targets in factory.yaml).
terraform {
  required_version = ">= 1.5.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "6.47.1"
    }
  }
  # Partial backend: the pipeline writes bucket, key, region, locking and the state profile at init.
  backend "s3" {}
}

# No assume_role block: the factory's profiles give the provider the workload role of each action
# (AWS_PROFILE=tfpf-target), and the backend the tooling account's identity.
provider "aws" {
  region = var.region
}

module "regional" {
  source = "./modules/regional"
  env    = var.env
  team   = var.team
  region = var.region
  cidr   = var.vpc_cidr
}

module "global" {
  source = "./modules/global"
  env    = var.env
  team   = var.team
}
