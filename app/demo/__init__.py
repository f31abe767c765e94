"""The demonstration territory: generated residences, landlords, grades and allocations
(`generator`), loaded like real data (`loader`), with one account per role (`accounts`)."""
