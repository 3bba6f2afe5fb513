"""The bundled sample against its committed golden outputs (tests/golden/).
After an intended change: .venv/bin/python -m tests.golden --update, then review the diff."""
import pytest

from tests.golden import FILES, GOLDEN, build


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    return build(tmp_path_factory.mktemp("golden"))


@pytest.mark.parametrize("name", FILES)
def test_golden(outputs, name):
    assert outputs[name] == (GOLDEN / name).read_text(encoding="utf-8"), (
        f"{name} differs from tests/golden; run `.venv/bin/python -m tests.golden` to see the diff")
