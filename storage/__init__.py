"""Encrypted persistence for rc-tui: SQLCipher vault, per-user key slots, access log.

This package never imports Textual, Rich or the ``screens`` package (enforced by
import-linter in CI), so the CLI, tests and benchmarks can use it without a terminal.
"""
