"""Fixture of the fault matrix (tests/faults/matrix.py) and the table it prints
at the end of the run."""
import pytest

from tests.faults import matrix as fm

_current = []


@pytest.fixture(scope="session")
def fault_matrix(request, sandbox, sandbox_tls):
    m = fm.Matrix(sandbox, sandbox_tls)
    _current.append(m)

    def stop():
        m.close()
        sandbox.clear_faults()

    request.addfinalizer(stop)
    return m


def pytest_terminal_summary(terminalreporter):
    if not _current or not _current[0].results:
        return
    m = _current[0]
    terminalreporter.write_sep("=", "fault × language matrix (observed)")
    terminalreporter.write(fm.render(m.cells()))
    odd = [f"{k}: {v.cell} (expected {fm.EXPECTED[k[0]][k[2]]})" for k, v in m.results.items()
           if v.cell != fm.EXPECTED[k[0]][k[2]] or v.problems]
    if odd:
        terminalreporter.write_line(f"{len(odd)} cell(s) differ from tests/faults/matrix.py EXPECTED or had problems:")
        for line in odd:
            terminalreporter.write_line("  " + line)
