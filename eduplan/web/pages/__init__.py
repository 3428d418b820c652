"""The pages: one module per page group, each with a `router` (and optionally `warm(state)`)."""
