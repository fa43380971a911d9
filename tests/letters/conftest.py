"""Letters fixtures: the shipped SJR 11 campaign, read from its directory."""

from pathlib import Path

import pytest

from app.campaigns.models import Campaign
from app.config import PROJECT_ROOT
from app.letters.loader import CampaignDirectory, _campaign_values, read_campaign_directory

SJR11_DIR: Path = PROJECT_ROOT / "letter_templates" / "sjr-11"


@pytest.fixture(scope="session")
def sjr11() -> CampaignDirectory:
    return read_campaign_directory(SJR11_DIR)


@pytest.fixture
def sjr11_campaign(sjr11: CampaignDirectory) -> Campaign:
    """The SJR 11 campaign as the loader stores it, not saved anywhere."""
    return Campaign(id=1, slug=sjr11.spec.slug, **_campaign_values(sjr11.spec))
