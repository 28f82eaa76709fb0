"""Local Light API emulator (see README.md in this directory).

Run it with ``python -m light_sandbox --port 8080`` from the repository
root; start it from Python with ``light_sandbox.runner.SandboxProcess``.
This package's __init__ stays import-light: the pytest fixtures import
``light_sandbox.runner`` (stdlib only)."""
