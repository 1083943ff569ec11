"""FlighTrak's shared runtime: settings, tokens, gRPC and database plumbing, the CLI."""
