"""``app``: the browser app on this machine."""

from __future__ import annotations

import argparse

from niche_abm.commands.command import Command, check_count


def _app_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)"
    )
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 = any free port)")


def run_app(args: argparse.Namespace) -> int:
    """Start the app's server and print its address; runs until Ctrl-C."""
    from niche_abm.app.server import serve

    check_count(args.port, "--port", 0, 65535)
    return serve(args.host, args.port)


COMMAND = Command("app", "start the browser app on localhost and print its address", _app_arguments, run_app)
