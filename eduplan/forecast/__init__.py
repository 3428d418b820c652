"""School places (学位预测): population and enrolment per 学区, capacity, the seat gap, scenarios and
resources — EPSSim-style simulation, per 学区 and tied to the key-project library.

population.py (cohort component) and housing.py (new residents of new housing) → enrolment.py (UNESCO
reconstructed-cohort flow rates and their projection) → capacity.py (places per school and 学区,
projects by in-use year) → gap.py (need − available) → resources.py (staff, classes, money);
scenarios.py holds the named scenarios (data/scenarios.yaml); engine.py runs them; report.py renders
json / xlsx. inputs.py is the only module that reads the store, and it reads it as it stood in the base
year (no look-ahead). 学区 and district add up (the district's 小学/初中 is the sum of its 学区). Methods
and the backtest (benchmarks/bench_forecast_backtest.py): docs/forecast.md.
"""

from .engine import Forecast, compare, run_forecast, run_scenarios
from .inputs import ForecastError, Inputs, load_inputs
from .scenarios import Scenario, all_scenarios, get_scenario
from .settings import ForecastSettings

SETTINGS_SECTION = ("forecast", ForecastSettings)

__all__ = [
    "Forecast", "ForecastError", "ForecastSettings", "Inputs", "SETTINGS_SECTION", "Scenario", "all_scenarios",
    "compare", "get_scenario", "load_inputs", "run_forecast", "run_scenarios",
]
