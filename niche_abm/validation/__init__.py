"""Validation targets: one module per published claim (tNN_name.py), their shared runs and the runner."""
