"""Actions on the cluster, with their safety rules: preflight, the journal, verification and
the pairing lock (`lease.py`: one Lease per target, so two warrooms never act on one target
at once). Plain asyncio over `warroom.kube`; no Textual here.
"""
