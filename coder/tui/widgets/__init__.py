"""Widgets of the workbench: the Line-API document view and the quiet panes around it."""
