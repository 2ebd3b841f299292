"""Drugs that act on the myeloma niche, one module per class, and their regimens.

``python run.py drugs`` lists them; ``--drug NAME[=DOSE UNIT[/EVERY]][@dayS[:dayE]]`` gives one to a run.
"""

from niche_abm.drugs.adhesion_blockers import NATALIZUMAB
from niche_abm.drugs.alkylating_agents import MELPHALAN
from niche_abm.drugs.angiogenesis_inhibitors import BEVACIZUMAB
from niche_abm.drugs.april_blockers import ATACICEPT
from niche_abm.drugs.base import TARGETS, Drug, Effect
from niche_abm.drugs.bisphosphonates import ZOLEDRONIC_ACID
from niche_abm.drugs.ccr1_antagonists import MLN3897
from niche_abm.drugs.corticosteroids import DEXAMETHASONE
from niche_abm.drugs.dkk1_antibodies import BHQ880
from niche_abm.drugs.il6_antibodies import SILTUXIMAB
from niche_abm.drugs.imids import LENALIDOMIDE, POMALIDOMIDE
from niche_abm.drugs.proteasome_inhibitors import BORTEZOMIB
from niche_abm.drugs.rankl_blockers import DENOSUMAB, OPG_FC, RANK_FC

DRUGS: dict[str, Drug] = {
    drug.name: drug
    for drug in (
        LENALIDOMIDE,
        POMALIDOMIDE,
        DENOSUMAB,
        OPG_FC,
        RANK_FC,
        NATALIZUMAB,
        ZOLEDRONIC_ACID,
        BORTEZOMIB,
        MLN3897,
        BHQ880,
        BEVACIZUMAB,
        SILTUXIMAB,
        ATACICEPT,
        MELPHALAN,
        DEXAMETHASONE,
    )
}

__all__ = ["DRUGS", "TARGETS", "Drug", "Effect"]
