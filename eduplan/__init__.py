"""eduplan: run a district's five-year education plan on data.

Data flows one way, one package per stage:
    model (统一标准) → ingest (read + validate) → store (DuckDB) → metrics → cli (outputs).
The plan (plan/) is data: a YAML file checked at load. demo/ builds a synthetic district's source files
and imports them through ingest, as a user would.
"""

__version__ = "0.1.0"
