# Layer 4 of 4: team research, dev, global scope (global/ root).
roles = ["analyst", "pipeline-reader"]
