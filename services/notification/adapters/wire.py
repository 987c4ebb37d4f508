"""Notification domain events → wire contracts."""

from shared.infra.wire import WireMap

WIRE = WireMap("notification", {})
