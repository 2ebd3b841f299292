"""Drugs that act on the myeloma niche, one module per class, and their regimens.

``python run.py drugs`` lists them; ``--drug NAME[=DOSE UNIT[/EVERY]][@dayS[:dayE]]`` gives one to a run.
"""

from niche_abm.drugs.adhesion_blockers import NATALIZUMAB
from niche_abm.drugs.base import TARGETS, Drug, Effect
from niche_abm.drugs.bisphosphonates import ZOLEDRONIC_ACID
from niche_abm.drugs.ccr1_antagonists import MLN3897
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
    )
}

__all__ = ["DRUGS", "TARGETS", "Drug", "Effect"]
