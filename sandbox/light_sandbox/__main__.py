"""``python -m light_sandbox ...`` = the ``light-sandbox`` command (cli.py); with no
command, or only flags (``--port 0 --ready-json --no-rate-limit --tls ...``), it serves."""
import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
