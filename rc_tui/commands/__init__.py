"""Command-line commands in modules of their own (``add_parser`` and ``run``); ``cli.py``
registers and dispatches them."""
