"""The service layer: the only path between screens/CLI and the stored data.

Screens and the CLI call these functions; they validate input with the domain rules,
decide access, and use ``storage`` for persistence (which writes the access log).
"""
