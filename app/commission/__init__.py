"""The allocation commission (CALEOL): vacancies, what the agreed grades advise for each vacancy,
the effect of an allocation on the legal rates, and the decisions that feed the yearly counts."""
