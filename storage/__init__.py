"""Siaga's data layer: typed models, query functions, migrations and reference data."""
