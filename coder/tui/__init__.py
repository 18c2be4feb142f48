"""The terminal workbench (Textual): the only package of coder that imports ``textual``.

Start it with ``coder tui`` or :func:`coder.tui.run.run_tui`; tests and benchmarks build
the same app with :func:`coder.tui.app.create_app`.
"""
