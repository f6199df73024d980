"""Reusable instruments: sterilisers, cycles and release, Bowie-Dick and spore tests, packs."""
