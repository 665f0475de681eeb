"""The ``incident-tui`` command line: the console, the scripting commands (``ls``, ``show``,
``declare``, ``note``, ``resolve``, ``reopen``, ``export``), ``demo``, ``serve``, ``token``,
``locate``.

Heavy modules (textual, pydantic, httpx, sqlite3, starlette) are imported only by the
subcommand that needs them, so ``--help`` and ``--version`` answer at once and the
scripting commands never load Textual.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from incident_tui.config import ConfigError


def _version() -> str:
    from importlib import metadata  # ~30 ms: only when --version asks

    try:
        return metadata.version("incident-tui")
    except metadata.PackageNotFoundError:
        return "0+unknown"


class _VersionAction(argparse.Action):
    """``--version``, looked up only when asked (keeps the console's start fast)."""

    def __init__(
        self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs: object
    ) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        print(f"incident-tui {_version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="incident-tui",
        description="A keyboard-driven terminal console for running incidents.",
    )
    parser.add_argument("--version", action=_VersionAction)
    parser.add_argument("--context", metavar="NAME", help="use this context from the config file")
    parser.add_argument(
        "--db", metavar="PATH", type=Path, help="local store file (sqlite contexts)"
    )
    parser.add_argument("--readonly", action="store_true", help="hide and refuse every change")
    parser.add_argument("--theme", metavar="NAME", help="colour theme for this run")
    parser.add_argument(
        "--redact",
        action="store_true",
        help="redaction mode, for screen sharing: names as pseudonyms, emails and IPs masked",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="fill an empty local store with demo incidents before starting",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    _add_scripting(sub)

    demo = sub.add_parser("demo", help="fill a local store with realistic demo incidents")
    demo.add_argument("--db", metavar="PATH", type=Path, dest="demo_db")
    demo.add_argument("--count", type=int, default=40, help="number of incidents (default 40)")
    demo.add_argument("--seed", type=int, default=7, help="random seed (default 7)")

    serve = sub.add_parser("serve", help="serve a store over the Grafana Incident RPC API")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8787, help="port (0 = pick one and print it)")
    serve.add_argument("--db", metavar="PATH", type=Path, dest="serve_db")
    serve.add_argument("--tokens", metavar="PATH", type=Path, help="tokens file")

    token = sub.add_parser("token", help="manage the server's bearer tokens")
    token_sub = token.add_subparsers(dest="token_command", metavar="ACTION", required=True)
    add = token_sub.add_parser("add", help="create a token; it is printed once")
    add.add_argument("name", help="who the token is for (becomes the user id)")
    add.add_argument("--scope", choices=("read", "edit"), default="edit")
    add.add_argument("--user-name", help="display name for timeline items")
    add.add_argument("--email", default="")
    add.add_argument("--tokens", metavar="PATH", type=Path)
    lst = token_sub.add_parser("list", help="list token names and scopes")
    lst.add_argument("--tokens", metavar="PATH", type=Path)
    rev = token_sub.add_parser("revoke", help="revoke a token by name")
    rev.add_argument("name")
    rev.add_argument("--tokens", metavar="PATH", type=Path)

    locate = sub.add_parser("locate", help="print where the config, data or tokens live")
    locate.add_argument("what", choices=("config", "data", "tokens"))
    return parser


SCRIPTING_COMMANDS = ("ls", "show", "declare", "note", "resolve", "reopen", "export")
_REF_HELP = "the incident: 42, #42, INC-42 or the backend's own id"
_EXIT_HELP = (
    "exit status: 0 done, 1 the backend failed or refused (one line on stderr), 2 a usage error"
)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= 1_000_000:
        raise argparse.ArgumentTypeError("must be between 1 and 1000000")
    return value


def _add_scripting(sub: argparse._SubParsersAction) -> None:
    """``ls``, ``show``, ``declare``, ``note``, ``resolve``, ``reopen``, ``export``
    (carried out by ``incident_tui.scripting``)."""
    # --context/--db/--readonly work before or after the command; SUPPRESS keeps the
    # value given before it when they are not repeated after it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--context", metavar="NAME", default=argparse.SUPPRESS, help="context from the config"
    )
    common.add_argument(
        "--db", metavar="PATH", type=Path, default=argparse.SUPPRESS, help="local store file"
    )
    common.add_argument(
        "--readonly", action="store_true", default=argparse.SUPPRESS, help="refuse every change"
    )
    as_json = argparse.ArgumentParser(add_help=False)
    as_json.add_argument(
        "--json", action="store_true", help="print the Grafana Incident JSON object instead"
    )

    def add(name: str, summary: str, example: str, *parents: argparse.ArgumentParser) -> Any:
        return sub.add_parser(
            name,
            help=summary,
            description=f"{summary}.",
            epilog=f"example: {example}\n{_EXIT_HELP}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
            parents=[common, *parents],
        )

    ls = add(
        "ls",
        "list incidents, newest first",
        "incident-tui ls 'status:active severity:critical' --json | jq -r '.incidents[].title'",
        as_json,
    )
    ls.add_argument(
        "query",
        nargs="*",
        metavar="QUERY",
        help="the console's query syntax, e.g. status:active severity:critical label:db",
    )
    ls.add_argument(
        "--limit", type=_positive, default=50, metavar="N", help="at most N incidents (50)"
    )

    show = add("show", "show one incident", "incident-tui show INC-42", as_json)
    show.add_argument("ref", metavar="REF", help=_REF_HELP)

    declare = add(
        "declare",
        "declare an incident",
        "incident-tui declare 'Checkout API returning 502s' --severity critical --label payments",
        as_json,
    )
    declare.add_argument("title", nargs="+", metavar="TITLE", help="the title (words are joined)")
    declare.add_argument("--severity", metavar="S", help="pending, minor, major or critical")
    declare.add_argument("--label", action="append", metavar="L", help="a label (repeat for more)")
    declare.add_argument("--drill", action="store_true", help="an exercise, not a real incident")

    note = add(
        "note",
        "add a note to an incident's timeline",
        "kubectl get pods -n checkout | incident-tui note 42 -",
        as_json,
    )
    note.add_argument("ref", metavar="REF", help=_REF_HELP)
    note.add_argument(
        "text", nargs="+", metavar="TEXT", help="the note (words are joined); - reads stdin"
    )
    note.add_argument(
        "--public",
        action="store_true",
        help="a public note (on the status page), where the system keeps notes internal"
        " by default (OneUptime, Prod Manager)",
    )

    for name, summary in (("resolve", "resolve an incident"), ("reopen", "reopen an incident")):
        status = add(name, summary, f"incident-tui {name} 42", as_json)
        status.add_argument("ref", metavar="REF", help=_REF_HELP)

    export = add(
        "export",
        "export an incident as a Markdown postmortem draft or one JSON document",
        "incident-tui export 42 -o INC-42-postmortem.md",
    )
    export.add_argument("ref", metavar="REF", help=_REF_HELP)
    export.add_argument(
        "--format",
        choices=("md", "json"),
        help="md (default; json when FILE ends in .json)",
    )
    export.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE (replaced if it exists); - stdout"
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
    except ConfigError as exc:
        print(f"incident-tui: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace) -> int:
    if args.command in SCRIPTING_COMMANDS:
        from incident_tui.scripting import run

        return run(args)
    if args.command == "locate":
        from incident_tui import config

        if args.what == "config":
            print(config.config_path())
        elif args.what == "data":
            print(config.default_db_path())
        else:
            from incident_tui.server.tokens import default_tokens_path

            print(default_tokens_path())
        return 0
    if args.command == "demo":
        from incident_tui.demo import demo_command

        return demo_command(args)
    if args.command == "serve":
        from incident_tui.server.app import serve_command

        return serve_command(args)
    if args.command == "token":
        from incident_tui.server.tokens import token_command

        return token_command(args)
    from incident_tui.ui.run import run_console

    return run_console(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
