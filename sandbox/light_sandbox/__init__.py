"""Local Light API emulator (see README.md in this directory).

Run it with ``light-sandbox serve --port 8080`` (installed) or
``PYTHONPATH=sandbox python3 -m light_sandbox serve --port 8080`` from the
repository root; start it from Python with ``light_sandbox.runner.SandboxProcess``.
This package's __init__ stays import-light: the pytest fixtures import
``light_sandbox.runner`` (stdlib only)."""
