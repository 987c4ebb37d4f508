"""The audit trail: a projection of every event on the stream, export, verification and replay."""
