"""Command line: ``niche-abm COMMAND ...`` once installed, or ``python run.py COMMAND ...`` in the source tree.

With no command it runs the main job: ``healthy`` and ``mm_niche`` for 90 days
with seed 1, side by side in two processes, into results/. Every command is
one entry of the dispatch table :data:`niche_abm.commands.COMMANDS`.

Bad input (unknown parameter, wrong type, value out of range, malformed
scenario, impossible grid) prints one line naming the key and what is allowed,
and exits with status 2 before any step runs or any file is written.
"""

from __future__ import annotations

import argparse
import os
import sys

from niche_abm.commands import COMMANDS, MAIN_JOB
from niche_abm.commands.command import INTERRUPTED, check_option_pairs, sigterm_as_ctrl_c
from niche_abm.params import ParameterError

BROKEN_PIPE_STATUS = 141
"""Exit status when the reader of our output goes away (``| head``): 128 + SIGPIPE, as for any Unix tool."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser(prog: str = "niche-abm") -> argparse.ArgumentParser:
    """The parser: one sub-parser per entry of COMMANDS."""
    parser = _Parser(prog=prog, description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", title="commands", description=f"with none: {MAIN_JOB.help}")
    for command in COMMANDS.values():
        command.add_arguments(commands.add_parser(command.name, help=command.help))
    return parser


def main(argv: list[str] | None = None, prog: str = "niche-abm") -> int:
    """Parse argv, run its command and return the exit status (2 for bad input, with one line on stderr)."""
    args = build_parser(prog).parse_args(argv)
    command = COMMANDS[args.command] if args.command else MAIN_JOB
    try:
        check_option_pairs(args)
        with sigterm_as_ctrl_c():
            return command.run(args)
    except ParameterError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # a batch has said what it kept; a run leaves its folder as it was
        print(f"{prog}: interrupted", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return BROKEN_PIPE_STATUS
