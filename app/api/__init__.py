"""HTTP API: one router module per resource under `routes/`."""
