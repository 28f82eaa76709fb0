"""Prints the soak figures (RSS before/after per language) at the end of the
pytest run, whatever the capture mode, and says where the report file is."""
from tests.soak import harness


def pytest_terminal_summary(terminalreporter):
    if not harness.RESULTS:
        return
    path = harness.write_report(harness.RESULTS)
    terminalreporter.section("soak figures")
    for line in harness.summary_lines(harness.RESULTS):
        terminalreporter.write_line(line)
    terminalreporter.write_line(f"(written to {path} and {path.with_suffix('.json')})")
