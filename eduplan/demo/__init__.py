"""The demo district: a deterministic synthetic district shaped like 硚口 (district.py builds the rows),
written out as the filled-in source files a bureau would have, and imported through the same path
a user takes (run.py). This package is a source of data; it never writes the store directly.
"""
