"""Case work (domain.md §7.9): deadlines in working days; the case types come with the
journeys (issue 12)."""
