# Layer 4 of 4: team research, dev, us-east-1 only.
replicas = 2
