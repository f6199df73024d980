"""smp_hygiene: traceable, tamper-evident records of every SMP, tattoo and PMU session.

The factory is `smp_hygiene.app.create_app`. This file imports nothing, so that a pure part such as
`smp_hygiene.services.barcodes` can be used without Flask or a database.
"""
