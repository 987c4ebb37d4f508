"""Code shared by every service: the wire contracts (`shared.events`) and the runtime plumbing (`shared.infra`)."""
