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

resource "aws_iam_role" "deployer" {
  name = "${var.team}-${var.env}-deployer"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "ec2.amazonaws.com" }
    }]
  })
  tags = {
    Team = var.team
  }
}

output "role_arn" {
  value = aws_iam_role.deployer.arn
}
