output "service" {
  description = "The demo service's settings as applied."
  value       = terraform_data.service.output
}

output "replicas" {
  description = "Names of the demo replicas."
  value       = [for r in terraform_data.replica : r.output.name]
}
