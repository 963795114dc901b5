terraform {
  required_version = ">= 1.5.0"

  # Partial backend: the pipeline (and `tfpf run`) writes bucket, key, region,
  # encryption, locking and credentials into a backend config file at init.
  backend "s3" {}
}
