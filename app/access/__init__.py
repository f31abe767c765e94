"""Who sees what: the one gate every reader of grades goes through, and the policy each route
declares (who may call it, what it may reveal)."""
