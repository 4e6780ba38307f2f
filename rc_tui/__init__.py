"""rc-tui: keyboard-first, encrypted case system for a resource centre against violence
in close relationships (Resurscentrum – våld i nära relationer)."""

__version__ = "0.1.0"
