"""Runtime plumbing shared by the services: settings, event store, command handling, relay, consumers, views."""
