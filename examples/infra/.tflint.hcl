# tflint configuration of the infra repository. The bundled terraform ruleset
# needs no plugin download. Add `plugin "aws" { ... }` here if your pipeline
# may download plugins (tflint --init runs when this file declares plugins).
plugin "terraform" {
  enabled = true
  preset  = "recommended"
}
