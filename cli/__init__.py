"""The `cchc` command line: one module per command group, all calling the same service functions as the portal."""
