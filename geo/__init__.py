"""Pure geospatial and domain logic of qualiparc: no web, no database session."""
