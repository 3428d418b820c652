"""Outputs a bureau forwards as they are: Excel workbooks built from the metrics' results."""
