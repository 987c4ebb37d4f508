"""The three services (registry, evaluation, notification) and the read API."""
