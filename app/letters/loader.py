"""Loading a campaign directory (``letter_templates/<slug>/``) into the database.

Everything is read and checked first; only then is anything written, all in the caller's one
transaction. Loading the same files again changes nothing; a changed template becomes a new
template version; executive and custom targets defined in campaign.yaml become Office and
Official rows, so letters can be written to them like to any other office.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from app.campaigns import service as campaigns
from app.campaigns.campaign_file import (
    CampaignFile,
    CampaignFileError,
    CustomTarget,
    ExecutiveTarget,
    key_line,
    read_campaign_file,
)
from app.campaigns.models import Campaign
from app.db import utcnow
from app.letters.compose import current_templates
from app.letters.render import LetterTemplateError, check_template_source
from app.representatives.models import Office, Official

_TEMPLATE_FILE = re.compile(r"^(?P<name>[a-z][a-z0-9_]{0,63})\.(?P<part>subject|body)\.txt$")
_CAMPAIGN_FIELDS = [
    "title",
    "status",
    "language",
    "description",
    "resolution",
    "demands",
    "targeting",
    "settings",
]


@dataclass
class LoadReport:
    slug: str
    created: bool = False
    changed_fields: list[str] = field(default_factory=list)
    new_templates: list[tuple[str, int]] = field(default_factory=list)
    unchanged_templates: list[str] = field(default_factory=list)
    offices: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.changed_fields or self.new_templates or self.offices)


@dataclass
class CampaignDirectory:
    spec: CampaignFile
    templates: dict[str, tuple[str, str]]  # name -> (subject source, body source)


def read_campaign_directory(path: Path) -> CampaignDirectory:
    """Read and check campaign.yaml and every template beside it, touching no database."""
    yaml_path = path / "campaign.yaml"
    if not path.is_dir():
        raise CampaignFileError([(str(path), None, "not a directory")])
    spec = read_campaign_file(yaml_path, str(yaml_path))
    problems: list[tuple[str, int | None, str]] = []
    parts: dict[str, dict[str, str]] = {}
    for file in sorted(path.glob("*.txt")):
        match = _TEMPLATE_FILE.match(file.name)
        if match is None:
            problems.append(
                (
                    str(file),
                    None,
                    "not a template name: use <name>.subject.txt or "
                    "<name>.body.txt with <name> in lower case",
                )
            )
            continue
        try:
            source = file.read_text(encoding="utf-8").replace("\r\n", "\n")
        except UnicodeDecodeError:
            problems.append((str(file), None, "not UTF-8 text"))
            continue
        try:
            check_template_source(source, name=file.name)
        except LetterTemplateError as error:
            problems.append((str(file), error.line, error.message))
        parts.setdefault(match["name"], {})[match["part"]] = source
    for name, found in sorted(parts.items()):
        for part in ("subject", "body"):
            if part not in found:
                problems.append(
                    (
                        str(path / f"{name}.{part}.txt"),
                        None,
                        "missing (the other half of this template exists)",
                    )
                )
    for index, kind in enumerate(spec.targeting.office_kinds):
        if kind not in parts:
            line = key_line(yaml_path, f"targeting.office_kinds.{index}")
            problems.append(
                (
                    str(yaml_path),
                    line,
                    f"office kind {kind.value!r} has no templates "
                    f"({kind.value}.subject.txt and {kind.value}.body.txt)",
                )
            )
    problems += _check_targets(spec, set(parts), yaml_path)
    if problems:
        raise CampaignFileError(problems)
    templates = {name: (found["subject"], found["body"]) for name, found in parts.items()}
    return CampaignDirectory(spec=spec, templates=templates)


def _check_targets(
    spec: CampaignFile, templates: set[str], yaml_path: Path
) -> list[tuple[str, int | None, str]]:
    problems: list[tuple[str, int | None, str]] = []
    kinds = set(spec.targeting.office_kinds)
    for section, kind in (("executive", "executive"), ("custom_targets", "custom")):
        if getattr(spec.targeting, section) and kind not in kinds:
            line = key_line(yaml_path, f"targeting.{section}")
            problems.append(
                (
                    str(yaml_path),
                    line,
                    f"targeting.{section} is set but office_kinds does not include {kind!r}",
                )
            )
    for index, stance in enumerate(spec.targeting.stances):
        if stance.action == "template" and stance.template not in templates:
            line = key_line(yaml_path, f"targeting.stances.{index}")
            problems.append(
                (
                    str(yaml_path),
                    line,
                    f"stance names template {stance.template!r}, "
                    "which has no .subject.txt/.body.txt files",
                )
            )
    return problems


def _campaign_values(spec: CampaignFile) -> dict[str, Any]:
    targeting = spec.targeting.model_dump(mode="json")
    targeting["executive"] = [t if isinstance(t, str) else t["key"] for t in targeting["executive"]]
    return {
        "title": spec.title,
        "status": spec.status.value,
        "language": spec.language,
        "description": spec.description,
        "resolution": spec.resolution.model_dump(mode="json"),
        "demands": [d.model_dump(mode="json") for d in spec.demands],
        "targeting": targeting,
        "settings": spec.settings.model_dump(mode="json", exclude_none=True),
    }


def load_campaign_directory(
    session: Session, path: Path, *, author: str = "lettercast campaigns load"
) -> LoadReport:
    """Create or update the campaign from its directory. Never commits: the caller does, once."""
    directory = read_campaign_directory(Path(path))
    spec = directory.spec
    report = LoadReport(slug=spec.slug)
    values = _campaign_values(spec)
    campaign = campaigns.get_campaign_by_slug(session, spec.slug)
    if campaign is None:
        campaign = Campaign(slug=spec.slug, **values)
        session.add(campaign)
        session.flush()
        report.created = True
    else:
        for name in _CAMPAIGN_FIELDS:
            if getattr(campaign, name) != values[name]:
                setattr(campaign, name, values[name])
                report.changed_fields.append(name)
        if report.changed_fields:
            campaign.updated_at = utcnow()
            session.add(campaign)
            session.flush()
    assert campaign.id is not None
    current = current_templates(session, campaign.id)
    for name, (subject, body) in sorted(directory.templates.items()):
        latest = current.get(name)
        if latest is not None and (latest.subject_source, latest.body_source) == (subject, body):
            report.unchanged_templates.append(name)
            continue
        version = campaigns.add_template_version(session, campaign, name, subject, body, author)
        report.new_templates.append((name, version.version))
    for target in spec.targeting.executive:
        if isinstance(target, ExecutiveTarget) and _upsert_executive(session, target, spec.slug):
            report.offices.append(target.key)
    for custom in spec.targeting.custom_targets:
        if _upsert_custom(session, custom, spec.slug):
            report.offices.append(custom.key)
    return report


def _update(row: Any, values: dict[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    if changed:
        row.updated_at = utcnow()
    return changed


def _upsert_seat(
    session: Session, key: str, office_values: dict[str, Any], official_values: dict[str, Any]
) -> bool:
    office = session.exec(select(Office).where(Office.key == key)).first()
    created = office is None
    if office is None:
        office = Office(key=key, **office_values)
        changed = True
    else:
        changed = _update(office, office_values)
    session.add(office)
    session.flush()
    # Campaign-defined seats have one holder, identified by the seat's own key.
    official = session.get(Official, key)
    official_values = official_values | {"office_id": office.id, "in_office": True}
    if official is None:
        official = Official(id=key, **official_values)
        changed = True
    else:
        changed = _update(official, official_values) or changed
    session.add(official)
    session.flush()
    return changed or created


def _addresses(target: ExecutiveTarget | CustomTarget) -> list[dict[str, Any]]:
    return [a.model_dump(mode="json") for a in target.addresses]


def _upsert_executive(session: Session, target: ExecutiveTarget, slug: str) -> bool:
    _, region, _ = target.key.split(":")
    person = target.official
    office_values = {
        "kind": "executive",
        "state": None if region == "US" else region,
        "title": target.title,
        "email": target.email or None,
        "contact_form_url": target.contact_form_url or None,
        "phone": target.phone or None,
        "addresses": _addresses(target),
    }
    official_values = {
        "name": person.name,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "title": person.title,
        "party": person.party or None,
        "email": target.email or None,
        "source": f"campaign:{slug}"[:64],
        "extra": {"salutation": person.salutation} if person.salutation else {},
    }
    return _upsert_seat(session, target.key, office_values, official_values)


def _upsert_custom(session: Session, target: CustomTarget, slug: str) -> bool:
    office_values = {
        "kind": "custom",
        "state": None,
        "title": target.office_title or target.name,
        "email": target.email or None,
        "contact_form_url": target.contact_form_url or None,
        "phone": target.phone or None,
        "addresses": _addresses(target),
    }
    official_values = {
        "name": target.name,
        "first_name": target.first_name,
        "last_name": target.last_name,
        "title": target.title,
        "party": None,
        "email": target.email or None,
        "source": f"campaign:{slug}"[:64],
        "extra": {"salutation": target.salutation} if target.salutation else {},
    }
    return _upsert_seat(session, target.key, office_values, official_values)
