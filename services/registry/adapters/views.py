"""Registry read models, built from the stream (one module each; re-exported here)."""

from services.registry.adapters.blocks import BlocksView
from services.registry.adapters.registrations import RegistrationsView
from services.registry.adapters.reviews import ReviewsView
from services.registry.adapters.units import UnitsView

__all__ = ["BlocksView", "RegistrationsView", "ReviewsView", "UnitsView"]
