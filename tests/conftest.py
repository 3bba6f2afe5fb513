import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TIME_KIT_PROGRESS", "0")


@pytest.fixture(scope="session")
def ner_tagger():
    """Natasha NER, loaded once for the whole session."""
    from dataset_tools.names import load_ner

    return load_ner()


@pytest.fixture(scope="session")
def root():
    return ROOT
