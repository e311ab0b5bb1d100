"""Fuzz targets (atheris) for each input format; see CONTRIBUTING.md and `make fuzz`."""
