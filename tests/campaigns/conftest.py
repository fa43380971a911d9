"""Campaign fixtures: a private copy of the shipped SJR 11 directory that a test may edit."""

import shutil
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT

SJR11_DIR: Path = PROJECT_ROOT / "letter_templates" / "sjr-11"


@pytest.fixture
def campaign_dir(tmp_path: Path) -> Path:
    target = tmp_path / "sjr-11"
    shutil.copytree(SJR11_DIR, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))
