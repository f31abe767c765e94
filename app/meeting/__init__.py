"""The harmonisation meeting: divergent residences, the day's agenda, the live screens."""
