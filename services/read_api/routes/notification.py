"""Routes over the notification service's views: deliveries per unit."""

from fastapi import APIRouter

router = APIRouter()
