"""timeline-builder: turn sourced articles and curated YAML events into a static timeline site."""

__version__ = "0.1.0"
