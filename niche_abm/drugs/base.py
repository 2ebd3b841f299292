"""Drugs as data: what each one acts on, how strongly at which concentration, and how it is dosed.

A drug is a set of :class:`Effect` s, each an Emax/Hill function of the drug's
concentration acting on one named target of the model (:data:`TARGETS`), plus
its pharmacokinetics (None for a drug given only at a fixed concentration, as
in a co-culture well) and its default regimens.

Combinations compose target by target (Bliss independence): inhibitions
multiply their remaining fractions, Π(1 − E_i); stimulations multiply their
folds, Π(1 + E_i). So two drugs that each halve CCL3 secretion leave a quarter.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from niche_abm.drugs.pharmacology import OneCompartment, emax_effect

TARGETS: dict[str, str] = {
    "mm_cd49d": "CD49d (VLA-4 α4) expression on MM cells, the main adhesion pair (CD49d–VCAM-1)",
    "mm_itga8": "integrin α8 (ITGA8) expression on MM cells, a smaller adhesion pair",
    "mm_icam2": "ICAM2 (CD102) expression on MM cells, a smaller adhesion pair",
    "mm_adhesion": "binding of VLA-4 on MM cells to VCAM-1 on stroma, whatever their CD49d (the CD49d pair only)",
    "mm_ccl3_secretion": "CCL3/MIP-1α secretion by MM cells",
    "stroma_contact_response": "the rise of RANKL and fall of OPG in stroma touched by adherent MM cells",
    "osteoclast_formation": "fusion of precursors into osteoclasts",
    "free_rankl": "RANKL free to bind RANK (sequestered by antibody or decoy)",
    "ccl3_signalling": "CCL3 sensed through CCR1 by precursors, osteoclasts and osteoblast-lineage cells",
    "osteoclast_death": "osteoclast apoptosis",
    "resorption": "bone resorbed by each osteoclast",
    "mm_death": "death of MM cells free of stroma",
    "mm_death_adherent": "death of MM cells bound to stroma: a drug's kill less its adhesion-mediated "
    "protection (CAM-DR, Drug.adhesion_protection)",
    "mm_death_il6": "death of free MM cells by a drug whose kill IL-6 signalling blunts (Drug.il6_rescued)",
    "mm_death_adherent_il6": "death of adherent MM cells by a drug whose kill IL-6 signalling blunts, less its "
    "adhesion protection",
    "dkk1_signalling": "DKK1 reaching its Wnt co-receptors (LRP5/6) on osteoblast-lineage cells",
    "vegf_signalling": "VEGF reaching VEGFR2 on endothelial cells",
    "il6_signalling": "IL-6 reaching its receptor on MM cells",
    "april_signalling": "APRIL (and BAFF) reaching TACI and BCMA on MM cells",
    "osteoblast_differentiation": "differentiation of PreOBs into osteoblasts",
}


@dataclass(frozen=True)
class Effect:
    """One concentration-driven action of a drug on one model target.

    Args:
        target: a key of TARGETS.
        kind: "inhibit" (multiplier 1 − E) or "stimulate" (multiplier 1 + E).
        emax: maximal effect E (0..1 for inhibition; a fold − 1 for stimulation).
        ec50_um: concentration giving half the maximal effect, µM.
        hill: Hill coefficient.
        source: paper with year, or "estimate" with the reasoning.
    """

    target: str
    kind: str
    emax: float
    ec50_um: float
    hill: float
    source: str

    def multiplier(self, concentration_um: float) -> float:
        """The factor this effect applies to its target at the given concentration."""
        effect = float(emax_effect(concentration_um, self.emax, self.ec50_um, self.hill))
        return 1.0 - effect if self.kind == "inhibit" else 1.0 + effect


@dataclass(frozen=True)
class Drug:
    """A named intervention: its class, mechanism, effects, pharmacokinetics and default regimens.

    Args:
        name: the name on the command line.
        drug_class: pharmacological class.
        mechanism: one sentence.
        effects: what it does, concentration-driven.
        pk: one-compartment pharmacokinetics, or None (in-vitro use only).
        clinical_regimen: default in-vivo regimen as written on the command line, e.g. "120mg/4w"; "" if none.
        in_vitro_um: default concentration in a co-culture well, µM.
        sources: where the regimen and pharmacokinetics come from.
        adhesion_protection: share (0..1) of the drug's stimulation of MM death that MM cells bound to
            stroma escape (cell-adhesion-mediated drug resistance, CAM-DR; Damiano et al. 1999 Blood
            93:1658); 0 = adhesion does not protect.
        il6_rescued: IL-6 signalling blunts this drug's MM kill as it blunts spontaneous death (dexamethasone:
            Lichtenstein et al. 1995 Cell Immunol 162:248); its kill then goes to the targets ``mm_death_il6``
            and ``mm_death_adherent_il6`` instead of ``mm_death`` and ``mm_death_adherent``.
    """

    name: str
    drug_class: str
    mechanism: str
    effects: tuple[Effect, ...]
    pk: OneCompartment | None
    clinical_regimen: str
    in_vitro_um: float
    sources: str
    adhesion_protection: float = 0.0
    il6_rescued: bool = False

    @property
    def targets(self) -> tuple[str, ...]:
        """The targets its effects act on, in the order declared, each once."""
        return tuple(dict.fromkeys(effect.target for effect in self.effects))

    def leaving_out(self, targets: tuple[str, ...]) -> Drug:
        """The same drug without its effects on these targets: a knock-out of part of its mechanism, to ask which
        of its actions an outcome needs (``lenalidomide~mm_ccl3_secretion``)."""
        return replace(self, effects=tuple(effect for effect in self.effects if effect.target not in targets))

    def multipliers(self, concentration_um: float) -> dict[str, float]:
        """Factor on each target at this concentration.

        Its stimulation of MM death also acts on adherent MM cells (``mm_death_adherent``), reduced by
        its adhesion protection: a fold 1 + E becomes 1 + E · (1 − adhesion_protection). The kill of a drug
        that IL-6 rescues goes to the ``_il6`` versions of both targets.
        """
        out: dict[str, float] = {}
        suffix = "_il6" if self.il6_rescued else ""
        for effect in self.effects:
            factor = effect.multiplier(concentration_um)
            if effect.target == "mm_death":
                adherent = 1.0 + (factor - 1.0) * (1.0 - self.adhesion_protection)
                out["mm_death" + suffix] = out.get("mm_death" + suffix, 1.0) * factor
                out["mm_death_adherent" + suffix] = out.get("mm_death_adherent" + suffix, 1.0) * adherent
            else:
                out[effect.target] = out.get(effect.target, 1.0) * factor
        return out
