"""The services (listed once, in `catalogue.py`) and the read API."""
