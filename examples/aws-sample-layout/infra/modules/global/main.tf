variable "env" {
  type = string
}

variable "team" {
  type = string
}

data "aws_caller_identity" "current" {}

resource "aws_iam_role" "deployer" {
  name = "${var.team}-${var.env}-deployer"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
    }]
  })
  tags = {
    Team = var.team
  }
}

output "role_arn" {
  value = aws_iam_role.deployer.arn
}
