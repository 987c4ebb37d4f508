"""Routes over the registry service's views: blocks, units, registrations."""

from fastapi import APIRouter

router = APIRouter()
