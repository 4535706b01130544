from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def real_dir() -> Path:
    """``../shared/real`` beside the checkout: real articles nobody on the project wrote.

    Absent in a fresh clone, so tests that need it skip.
    """
    path = Path(__file__).resolve().parents[1].parent / "shared" / "real"
    if not path.is_dir():
        pytest.skip(f"real test data not available ({path})")
    return path


@pytest.fixture(autouse=True, scope="session")
def _isolated_data_dir(tmp_path_factory):
    """Tests never see (or build into) the user's KB cache: behaviour must not depend on it."""
    mp = pytest.MonkeyPatch()
    mp.setenv("PMCMINE_DATA_DIR", str(tmp_path_factory.mktemp("pmcmine-data")))
    yield
    mp.undo()
