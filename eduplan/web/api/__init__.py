"""The JSON API under /api/v1: one module per area, each with a `router` (prefix /api/v1, its tag)."""
