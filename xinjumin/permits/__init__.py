"""Residence permits (居住证, domain.md §6): eligibility, application, issue, annual
endorsement, the daily suspension job; permits live in records (domain.md §9.1)."""
