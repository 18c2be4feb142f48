"""Screens of the workbench: coding, documents, help, pickers (and review, written elsewhere)."""
