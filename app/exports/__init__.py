"""Exports for planners: residences and quartier aggregates as CSV, XLSX, GeoJSON, GeoPackage."""
