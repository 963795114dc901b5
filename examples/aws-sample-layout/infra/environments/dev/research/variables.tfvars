team = "research"
