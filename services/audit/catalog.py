"""Every projection of the system, for replay and checksums."""

from __future__ import annotations

from shared.infra.settings import Settings
from shared.infra.views import View


def all_views(settings: Settings) -> list[View]:
    from services.audit.factory import build_views as audit
    from services.evaluation.factory import build_views as evaluation
    from services.notification.factory import build_views as notification
    from services.registry.factory import build_views as registry

    return [*registry(settings), *evaluation(settings), *notification(settings), *audit(settings)]


def service_apps(settings: Settings) -> list:  # type: ignore[type-arg]
    """Each service's application over its event store (for verification)."""
    from services.evaluation.factory import build as evaluation
    from services.notification.factory import build as notification
    from services.registry.factory import build as registry

    return [s.app for s in (registry(settings), evaluation(settings), notification(settings)) if s.app is not None]
