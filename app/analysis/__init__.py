"""The quartier analysis: aggregates per QPV, IRIS, commune and EPCI, target population types
and rebalancing needs per residence, and the allocation targets of the law."""
