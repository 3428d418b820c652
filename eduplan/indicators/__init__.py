"""Plan monitoring: declared indicators computed from the store for any unit and year, tracked
against the plan's targets (path, status, projection) and explained down to schools and import batches.

schema + definitions.yaml (what an indicator is) → relations (the Ibis relations terms use) →
engine (compute) → targets (paths, status, projection) → explain; quality holds the data-quality rules.
"""

from .engine import Computation, compute
from .schema import Definitions, Indicator, load_definitions
from .settings import IndicatorSettings

__all__ = ["compute", "Computation", "Definitions", "Indicator", "load_definitions", "IndicatorSettings"]
