"""niche_abm: an agent-based model of the multiple myeloma bone-marrow niche.

from niche_abm import NicheModel, load_scenario
metrics = NicheModel(load_scenario("mm_niche"), seed=1).run(days=30)
"""

from niche_abm.model import NicheModel
from niche_abm.params import ParameterError, Parameters, build_parameters
from niche_abm.scenario import Scenario, load_scenario

__all__ = ["NicheModel", "ParameterError", "Parameters", "Scenario", "build_parameters", "load_scenario"]
__version__ = "0.1.0"
