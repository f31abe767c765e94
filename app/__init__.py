"""qualiparc: qualification du parc social sur une carte (service web, CLI, base PostGIS)."""

__version__ = "0.1.0"
