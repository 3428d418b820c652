"""Command-line interface (the outermost stage): parse options, call the library, print."""
