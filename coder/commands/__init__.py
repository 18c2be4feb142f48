"""Click commands, one module per feature; each command is a few lines over a core function."""
