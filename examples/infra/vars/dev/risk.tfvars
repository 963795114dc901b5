# Layer 3 of 4: team risk in dev. risk has no per-region folder: its regional
# releases use layers 1-3 only.
cost_center = "risk-dev"
