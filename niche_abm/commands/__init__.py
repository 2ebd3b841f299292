"""The command line's commands, one module per family; COMMANDS is the dispatch table, in the order --help lists."""

from niche_abm.commands import app, batch, calibrate, listing, run, sweep
from niche_abm.commands.command import Command

COMMANDS: dict[str, Command] = {
    command.name: command
    for command in (run.RUN, *listing.COMMANDS, *batch.COMMANDS, app.COMMAND, *sweep.COMMANDS, calibrate.COMMAND)
}
"""Every sub-command by name."""

MAIN_JOB = run.MAIN_JOB
"""What runs when no sub-command is given."""

__all__ = ["COMMANDS", "MAIN_JOB", "Command"]
