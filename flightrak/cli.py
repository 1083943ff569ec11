"""The `flightrak` command."""

import argparse
import os
import sys

# The processes that sign or check tokens; `run` makes the secret they share, the others never read it.
SIGNING_COMMANDS = frozenset({"serve", "gateway"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="flightrak", description="ERCOT certification testing tracker")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="start the whole product (embedded PostgreSQL and Temporal by default)")
    run.add_argument(
        "--no-simulator",
        dest="simulator",
        action="store_false",
        help="no background transaction simulator (as FLIGHTRAK_DEMO_SIMULATOR=off)",
    )
    run.add_argument(
        "--replicas",
        type=int,
        choices=range(1, 9),
        metavar="N",
        help="N (1-8) of each gRPC service, of the worker and of the gateway (as FLIGHTRAK_REPLICAS)",
    )
    commands.add_parser("migrate", help="upgrade every service's schema")
    commands.add_parser("demo", help="load the demo market")
    serve = commands.add_parser("serve", help="run one back-end gRPC service")
    serve.add_argument("service", choices=["identity", "registration", "testbed", "scripts"])
    serve.add_argument("--port", type=int, help="listen on this port (default: the service's own, 50051-50054)")
    commands.add_parser("worker", help="run the Temporal workflow worker")
    commands.add_parser("gateway", help="run the HTTP gateway")
    commands.add_parser("smtp-sink", help="run a local SMTP server that keeps every mail in an mbox file")
    endpoint = commands.add_parser("edm-endpoint", help="run the demo's NAESB EDM server (HTTPS, its own CA)")
    endpoint.add_argument("--port", type=int, default=0, help="default: FLIGHTRAK_EDM_ENDPOINT_PORT (8443)")
    endpoint.add_argument("--host", default="127.0.0.1")
    commands.add_parser("protogen", help="generate the gRPC code from proto/")
    add_simulate_transactions(commands)
    check = commands.add_parser(
        "check",
        help="compare every open item's projection with its workflow, and every transaction with its steps",
        description="Prints each difference, one a line (the item, its type, what the projection says and what the "
        "workflow says), and keeps the result for ERCOT's operations page. Exit 0: none; 1: differences; 2: "
        "PostgreSQL or Temporal did not answer.",
    )
    check.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    if getattr(args, "replicas", None):
        os.environ["FLIGHTRAK_REPLICAS"] = str(args.replicas)  # read by get_settings, and passed on to children
    if args.command != "protogen" and (refusal := settings_refusal(args.command)):
        print(f"flightrak {args.command}: {refusal}", file=sys.stderr)
        return 2

    if args.command == "run":
        from flightrak import supervisor

        return supervisor.run(simulator=args.simulator)
    if args.command == "migrate":
        from flightrak import migrate
        from flightrak.settings import get_settings

        url = get_settings().effective_database_url
        migrate.ensure_database(url)
        migrate.upgrade_all(url)
    elif args.command == "demo":
        import asyncio

        from flightrak import supervisor
        from flightrak.settings import get_settings

        settings = get_settings()
        asyncio.run(supervisor.load_demo(settings.effective_database_url, settings.demo_password))
    elif args.command == "serve":
        from flightrak import service_process

        service_process.main(args.service, args.port)
    elif args.command == "worker":
        from flightrak import worker

        worker.main()
    elif args.command == "gateway":
        from services.gateway import app

        app.main()
    elif args.command == "smtp-sink":
        from flightrak import smtp_sink
        from flightrak.settings import get_settings

        settings = get_settings()
        smtp_sink.main(settings.smtp_sink_port, settings.data_dir / "mail" / "notices.mbox")
    elif args.command == "edm-endpoint":
        from flightrak import edm_endpoint

        edm_endpoint.main(["--port", str(args.port), "--host", args.host])
    elif args.command == "protogen":
        from flightrak import protogen

        protogen.generate()
    elif args.command == "simulate-transactions":
        return simulate_transactions(args)
    elif args.command == "check":
        return check_consistency(args.json)
    return 0


def settings_refusal(command: str) -> str | None:
    """Why this command may not start with the environment's settings, in one line; None when it may."""
    from pydantic import ValidationError

    from flightrak.settings import TOKEN_SECRET_MISSING, get_settings

    try:
        settings = get_settings()
    except ValidationError as error:
        return "; ".join(
            (f"FLIGHTRAK_{str(problem['loc'][0]).upper()}: " if problem["loc"] else "")
            + problem["msg"].removeprefix("Value error, ")
            for problem in error.errors()
        )
    if command in SIGNING_COMMANDS and not settings.token_secret:
        return TOKEN_SECRET_MISSING
    return None


def add_simulate_transactions(commands) -> None:
    simulate = commands.add_parser(
        "simulate-transactions",
        help="play a transaction-processing system against a running FlighTrak: X12 for the steps that wait",
        description="Reads the flight's script issues whose step waits for a transaction (as a person who may "
        "read them), builds the Texas SET X12 004010 the market would send for each, with some failed "
        "validations, duplicates and transactions that match nothing, and reports them as the system ERCOT "
        "registered, at a chosen rate. The demo's system and accounts are the defaults.",
    )
    simulate.add_argument("--base-url", default="http://127.0.0.1:8000", help="the gateway (default: %(default)s)")
    simulate.add_argument("--flight", default="", help="the flight (MMYY); default: every flight the reader sees")
    simulate.add_argument("--system-id", default="demo-transaction-gateway", help="default: %(default)s")
    simulate.add_argument("--system-key", help="the system's key (default: the demo system's, as `run` prints it)")
    simulate.add_argument("--reader-email", default="reviewer@ercot.example", help="who reads the waiting steps")
    simulate.add_argument("--reader-password", help="default: the demo password (FLIGHTRAK_DEMO_PASSWORD)")
    simulate.add_argument("--rate", type=float, default=10.0, help="receipts a second; 0: at once (%(default)s)")
    simulate.add_argument("--count", type=int, default=100, help="at most this many receipts (%(default)s)")
    simulate.add_argument("--duration", type=float, default=60.0, help="at most this many seconds (%(default)s)")
    simulate.add_argument("--rounds", type=int, default=10, help="read-and-send rounds at most (%(default)s)")
    simulate.add_argument(
        "--steps-per-round", type=int, default=0, help="waiting steps answered a round at most; 0: all (%(default)s)"
    )
    simulate.add_argument("--duplicates", type=float, default=0.05, help="share sent twice (%(default)s)")
    simulate.add_argument("--failures", type=float, default=0.1, help="share failing validation (%(default)s)")
    simulate.add_argument("--unmatched", type=float, default=0.05, help="extra share matching nothing (%(default)s)")
    simulate.add_argument("--concurrency", type=int, default=8, help="reports in flight at once (%(default)s)")
    simulate.add_argument(
        "--grpc", dest="grpc_address", default="", metavar="ADDRESS", help="report over gRPC to the scripts service"
    )
    simulate.add_argument("--seed", type=int, help="the same seed, the same choices")
    simulate.add_argument(
        "--retry-for", type=float, default=300.0, help="seconds a failed report is retried, same bytes (%(default)s)"
    )
    simulate.add_argument("--summary-json", default="", metavar="PATH", help="write the counts and outcomes here")


def simulate_transactions(args) -> int:
    import asyncio
    import dataclasses
    import signal

    from flightrak.settings import get_settings
    from services.identity.domain import demo_system_key
    from services.scripts import simulator

    demo_password = get_settings().demo_password
    # The command's options are the simulator's, by the same names; a key and a password not given are the demo's.
    named = {option.name for option in dataclasses.fields(simulator.Options)}
    given = {name: value for name, value in vars(args).items() if name in named}
    given["system_key"] = args.system_key or demo_system_key(demo_password)
    given["reader_password"] = args.reader_password or demo_password
    options = simulator.Options(**given)

    async def until_stopped() -> simulator.Summary:
        """SIGTERM or Ctrl-C stops it as its duration would: what is in flight is answered, the summary written."""
        stop = asyncio.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(signum, stop.set)
        return await simulator.simulate(options, stop=stop)

    try:
        summary = asyncio.run(until_stopped())
    except simulator.SimulatorError as error:
        print(f"simulate-transactions: {error}", file=sys.stderr)
        return 2
    return 1 if summary.counts()["errors"] else 0


def check_consistency(as_json: bool) -> int:
    import asyncio
    import json

    from flightrak import consistency
    from flightrak.settings import get_settings

    try:
        result = asyncio.run(consistency.check(get_settings()))
    except consistency.CouldNotCheck as error:
        print(f"flightrak check: {error}", file=sys.stderr)
        return 2
    if as_json:
        print(json.dumps(result.as_json(), indent=2))
    else:
        for difference in result.differences:
            print(difference.line())
        print(
            f"{result.items_checked} open items and {result.transactions_checked} transactions checked in "
            f"{result.seconds:.1f} s: {len(result.differences) or 'no'} differences",
            file=sys.stderr,
        )
    return 1 if result.differences else 0


if __name__ == "__main__":
    sys.exit(main())
