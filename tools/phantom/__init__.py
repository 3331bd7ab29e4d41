"""Training, export and evaluation of the gloria-phantom demo model (docs/phantom-model.md)."""
