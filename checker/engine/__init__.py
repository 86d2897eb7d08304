"""The check engine: plain Python, no Django imports (see docs/architecture.md)."""
