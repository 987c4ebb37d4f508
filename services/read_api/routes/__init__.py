"""Read API routes, one module per service whose views they read."""
