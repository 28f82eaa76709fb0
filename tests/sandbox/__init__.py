"""Local Light API emulator (see README.md in this directory).

Run it with ``python -m tests.sandbox --port 8080`` from the repository
root; start it from Python with ``tests.sandbox.runner.SandboxProcess``.
This package's __init__ stays import-light: the pytest fixtures import
``tests.sandbox.runner`` (stdlib only)."""
