output "account_baseline" {
  description = "The account baseline as applied."
  value       = terraform_data.account_baseline.output
}

output "roles" {
  description = "Names of the demo roles."
  value       = sort([for r in terraform_data.role : r.output.name])
}
