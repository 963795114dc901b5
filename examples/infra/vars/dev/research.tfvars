# Layer 3 of 4: team research in dev (all regions and global).
cost_center = "research-dev"
