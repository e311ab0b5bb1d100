"""Fuzz targets (atheris) for each input format; see fuzz/README.md and `make fuzz`."""
