"""Listings: ``list`` (scenarios), ``params``, ``rules`` and ``drugs``.

Each listing's text is written beside the table it lists (scenario.py, params.py, rules.py), except the
drugs', which lives here while the drug modules are being reworked. Each listing imports what it lists when it
runs, so that building the command line (``--help``, and every other command) does not load the rules' compiled
kernels or the bone generator.
"""

from __future__ import annotations

import argparse

from niche_abm.commands.command import Command, no_arguments


def drugs_text() -> str:
    """Every drug: command-line name, class, mechanism, default regimens, effects and sources."""
    from niche_abm.drugs import DRUGS

    blocks = []
    for drug in DRUGS.values():
        effects = "; ".join(
            f"{e.kind}s {e.target} (Emax {e.emax:g}, EC50 {e.ec50_um:g} µM, Hill {e.hill:g}; {e.source})"
            for e in drug.effects
        )
        clinical = f"--drug {drug.name}={drug.clinical_regimen}" if drug.clinical_regimen else "none"
        blocks.append(
            f"{drug.name}  ({drug.drug_class})\n"
            f"  mechanism: {drug.mechanism}\n"
            f"  default clinical regimen: {clinical}; in vitro: {drug.in_vitro_um:g} µM\n"
            f"  effects: {effects}\n"
            f"  regimen and pharmacokinetics: {drug.sources}"
        )
    return "\n\n".join(blocks)


def show_scenarios(args: argparse.Namespace) -> int:
    from niche_abm.scenario import scenario_text

    print(scenario_text())
    return 0


def _params_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--markdown", action="store_true", help="as the Markdown of docs/parameters.md")


def show_params(args: argparse.Namespace) -> int:
    from niche_abm.params import parameter_markdown, parameter_text

    print(parameter_markdown() if args.markdown else parameter_text())
    return 0


def show_rules(args: argparse.Namespace) -> int:
    import niche_abm.cells  # noqa: F401 (each cell module registers its rules as it loads)
    from niche_abm.rules import rules_text

    print(rules_text())
    return 0


def show_drugs(args: argparse.Namespace) -> int:
    print(drugs_text())
    return 0


COMMANDS = (
    Command("list", "list the scenarios", no_arguments, show_scenarios),
    Command("params", "print the parameter table", _params_arguments, show_params),
    Command("rules", "print every cell rule as one sentence with its parameters and sources", no_arguments, show_rules),
    Command("drugs", "list the drugs: class, mechanism, default regimens, sources", no_arguments, show_drugs),
)
