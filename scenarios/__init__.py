"""Scenario files, installed as the package data ``niche_abm.scenarios`` (read with importlib.resources).

``*.toml`` here are the scenarios `run.py list` shows; ``sweeps/`` holds example sweeps and ``demos/`` the
marrows of the teaching demos.
"""
