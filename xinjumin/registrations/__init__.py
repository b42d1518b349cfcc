"""Residence registration (居住登记, 来甬登记; domain.md §5): declarations, reports by
employers and landlords, confirmation, address changes, deregistration, the certificate."""
