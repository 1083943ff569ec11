"""The `flightrak` command."""

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="flightrak", description="ERCOT certification testing tracker")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="start the whole product (embedded PostgreSQL and Temporal by default)")
    commands.add_parser("migrate", help="upgrade every service's schema")
    commands.add_parser("demo", help="load the demo market")
    serve = commands.add_parser("serve", help="run one back-end gRPC service")
    serve.add_argument("service", choices=["identity", "registration", "testbed", "scripts"])
    commands.add_parser("worker", help="run the Temporal workflow worker")
    commands.add_parser("gateway", help="run the HTTP gateway")
    commands.add_parser("smtp-sink", help="run a local SMTP server that keeps every mail in an mbox file")
    commands.add_parser("protogen", help="generate the gRPC code from proto/")
    args = parser.parse_args(argv)

    if args.command == "run":
        from flightrak import supervisor

        return supervisor.run()
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

        service_process.main(args.service)
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
    elif args.command == "protogen":
        from flightrak import protogen

        protogen.generate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
