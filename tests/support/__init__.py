"""Test support: real nats-server processes, service processes and waiting for conditions."""
