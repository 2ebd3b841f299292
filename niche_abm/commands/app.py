"""``app``: the browser app on this machine."""

from __future__ import annotations

import argparse
import socket

from niche_abm.commands.command import Command, check_count, integer_or_text
from niche_abm.params import ParameterError


def _app_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)"
    )
    parser.add_argument("--port", type=integer_or_text, default=8765, help="port (default 8765; 0 = any free port)")


def run_app(args: argparse.Namespace) -> int:
    """Start the app's server and print its address; runs until Ctrl-C."""
    from niche_abm.app.server import serve

    check_count(args.port, "--port", 0, 65535)
    check_host(args.host)
    return serve(args.host, args.port)


def check_host(host: str) -> None:
    """ParameterError naming --host unless the server could listen on it: a name or address of this machine."""
    try:
        family, kind, protocol, _, address = socket.getaddrinfo(host, 0, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, protocol) as probe:
            probe.bind(address)
    except (OSError, UnicodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise ParameterError(
            "--host", f"got {host!r} ({reason}); expected a name or address of this machine, e.g. 127.0.0.1"
        ) from None


COMMAND = Command("app", "start the browser app on localhost and print its address", _app_arguments, run_app)
