team = "risk"
