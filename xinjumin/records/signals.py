"""Signals of the records app.

`records_changed(sender=ImportBatch, batch=..., subject_hashes=set[str])` is sent after each
committed chunk of an import (through transaction.on_commit), with the keyed hashes
(= Resident.id_hash) of everyone whose score may have changed: the subjects of the records
applied, the linked persons (spouse, child) of their old and new versions, and for a changed
`complex_rent` the lessees of that complex. The scoring app connects a receiver that queues
re-scoring. `replaced_keys` = {(source, record_id)} of the departments' records (not the
platform's own `XJM-` ones) that got a new version: the cases app puts a decision that set
one of them aside back in front of a reviewer (domain.md §9.1).
"""

from __future__ import annotations

from django.dispatch import Signal

records_changed = Signal()
