"""Metrics and analyses over the store (read-only, Ibis expressions): the district summary so far."""
