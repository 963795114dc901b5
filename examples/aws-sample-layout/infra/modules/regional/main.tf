terraform {
  required_version = ">= 1.5.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0"
    }
  }
}

variable "env" {
  type = string
}

variable "team" {
  type = string
}

variable "region" {
  type = string
}

variable "cidr" {
  type = string
}

# Flow logs are outside this example (no log destination).
#tfsec:ignore:aws-ec2-require-vpc-flow-logs-for-all-vpcs
resource "aws_vpc" "main" {
  #checkov:skip=CKV2_AWS_11:flow logs are outside this example (no log destination)
  #checkov:skip=CKV2_AWS_12:the default security group is never used
  cidr_block = var.cidr
  tags = {
    Name = "${var.team}-${var.env}-${var.region}"
    Team = var.team
  }
}

resource "aws_subnet" "private" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet(var.cidr, 8, 0)
  availability_zone = "${var.region}a"
  tags = {
    Team = var.team
  }
}

output "vpc_id" {
  value = aws_vpc.main.id
}
