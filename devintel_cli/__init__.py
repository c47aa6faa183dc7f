"""devintel: local-first developer intelligence over Git repositories."""

__version__ = "0.1.0"
