"""The catalogue of hostile inputs: small files here, big ones made at test time (see manifest.yaml)."""
