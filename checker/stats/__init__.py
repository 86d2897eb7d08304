"""Staff statistics over the checks: the thesis's tables live (docs in the README, "Statistics")."""
