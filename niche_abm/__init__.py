"""niche_abm: an agent-based model of the multiple myeloma bone-marrow niche.

from niche_abm import NicheModel, load_scenario
metrics = NicheModel(load_scenario("mm_niche"), seed=1).run(days=30)

The names below are imported when first used, so that ``import niche_abm.params`` (or the command line's
``--help`` and its checks of bad input) does not load the model, Mesa and the compiled kernels.
"""

from importlib import import_module

_HOMES = {
    "NicheModel": "niche_abm.model",
    "ParameterError": "niche_abm.params",
    "Parameters": "niche_abm.params",
    "build_parameters": "niche_abm.params",
    "Scenario": "niche_abm.scenario",
    "load_scenario": "niche_abm.scenario",
}
"""Each public name and the module that defines it."""

__all__ = sorted(_HOMES)
__version__ = "0.1.0"


def __getattr__(name: str):
    """A public name, imported from its module the first time it is asked for (PEP 562)."""
    if name not in _HOMES:
        raise AttributeError(f"module 'niche_abm' has no attribute {name!r}")
    value = getattr(import_module(_HOMES[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The module's names with the public ones not yet imported, for completion in a notebook."""
    return sorted(set(globals()) | set(_HOMES))
