"""A campaign as files and back: export to the ``letter_templates/<slug>/`` form in a zip, and
import such a zip through the same loader ``lettercast campaigns load`` uses.

The zip holds ``<slug>/campaign.yaml`` and ``<slug>/<name>.subject.txt`` / ``.body.txt`` for the
current version of each template, so it can be committed to a repository as it is.
"""

import io
import tempfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from sqlmodel import Session, select

from app.campaigns.campaign_file import (
    CampaignFileError,
    CampaignSettings,
    CustomTarget,
    ExecutiveTarget,
    Person,
    Resolution,
    Stance,
)
from app.campaigns.models import Campaign
from app.letters.compose import current_templates
from app.letters.loader import LoadReport, load_campaign_directory
from app.representatives.models import Office, Official

MAX_ZIP_BYTES = 5_000_000
MAX_FILES = 200
MAX_UNPACKED_BYTES = 20_000_000


class CampaignImportError(ValueError):
    def __init__(self, problems: list[tuple[str, int | None, str]]) -> None:
        super().__init__("; ".join(message for _, _, message in problems))
        self.problems = problems


def _only(fields: dict[str, Any], model: Any) -> dict[str, Any]:
    """Keys the file format knows: campaign.yaml refuses unknown keys, so an export must not
    carry the editor's own (e.g. the scheduled start and end)."""
    return {k: v for k, v in fields.items() if k in model.model_fields and v not in (None, "")}


def _executive(session: Session, key: str) -> Any:
    office = session.exec(select(Office).where(Office.key == key)).first()
    official = (
        session.exec(select(Official).where(Official.office_id == office.id)).first()
        if office
        else None
    )
    if office is None or official is None:
        return key  # the loader resolves a bare key against the database
    person = {
        "name": official.name,
        "first_name": official.first_name,
        "last_name": official.last_name,
        "title": official.title,
        "salutation": (official.extra or {}).get("salutation", ""),
        "party": official.party or "",
    }
    target = {
        "key": key,
        "title": office.title,
        "official": _only(person, Person),
        "email": office.email,
        "contact_form_url": office.contact_form_url,
        "phone": office.phone,
        "addresses": office.addresses,
    }
    return _only(target, ExecutiveTarget)


def campaign_yaml(session: Session, campaign: Campaign) -> str:
    targeting = campaign.targeting or {}
    document = {
        "slug": campaign.slug,
        "title": campaign.title,
        "status": campaign.status,
        "language": campaign.language,
        "description": campaign.description,
        "resolution": _only(campaign.resolution or {}, Resolution),
        "demands": [
            {"label": d.get("label", ""), "text": d.get("text", ""), "source": d.get("source", "")}
            for d in campaign.demands or []
        ],
        "targeting": {
            "office_kinds": list(targeting.get("office_kinds") or []),
            "states": list(targeting.get("states") or []),
            "executive": [_executive(session, k) for k in targeting.get("executive") or []],
            "custom_targets": [
                _only(t, CustomTarget) for t in targeting.get("custom_targets") or []
            ],
            "stances": [_only(s, Stance) for s in targeting.get("stances") or []],
        },
        "settings": _only(campaign.settings or {}, CampaignSettings),
    }
    header = "# Exported from Lettercast; see docs/campaign-format.md for every key.\n"
    return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def export_zip(session: Session, campaign: Campaign) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{campaign.slug}/campaign.yaml", campaign_yaml(session, campaign))
        for name, row in sorted(current_templates(session, campaign.id).items()):  # type: ignore[arg-type]
            archive.writestr(f"{campaign.slug}/{name}.subject.txt", row.subject_source)
            archive.writestr(f"{campaign.slug}/{name}.body.txt", row.body_source)
    return buffer.getvalue()


def _unpack(data: bytes, into: Path) -> Path:
    """Extracts only plain files with safe names; returns the directory holding campaign.yaml."""
    if len(data) > MAX_ZIP_BYTES:
        raise CampaignImportError([("upload", None, "The zip is larger than 5 MB.")])
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.is_dir()]
    except zipfile.BadZipFile:
        raise CampaignImportError([("upload", None, "That file is not a zip archive.")]) from None
    if len(members) > MAX_FILES or sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
        raise CampaignImportError([("upload", None, "The zip holds too many or too large files.")])
    homes = []
    try:
        for member in members:
            if _extract(archive, member, into):
                homes.append(into.joinpath(*PurePosixPath(member.filename).parts).parent)
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, OSError) as error:
        # Corrupt, encrypted or oddly compressed members.
        message = f"The zip could not be read ({type(error).__name__})."
        raise CampaignImportError([("upload", None, message)]) from None
    if len(homes) != 1:
        raise CampaignImportError(
            [
                (
                    "upload",
                    None,
                    "The zip must hold exactly one campaign.yaml (at most one folder deep).",
                )
            ]
        )
    return homes[0]


def _extract(archive: zipfile.ZipFile, member: zipfile.ZipInfo, into: Path) -> bool:
    """Writes one plain file with a safe name; True when it is a campaign.yaml."""
    path = PurePosixPath(member.filename)
    if path.is_absolute() or ".." in path.parts or len(path.parts) > 2:
        raise CampaignImportError([(member.filename, None, "Unexpected path in the zip.")])
    if path.name.startswith(".") or path.parts[0] == "__MACOSX":
        return False
    target = into.joinpath(*path.parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(archive.read(member))
    return path.name == "campaign.yaml"


def import_zip(session: Session, data: bytes, author: str) -> LoadReport:
    """Loads the campaign in the zip (create or update; a changed template becomes a new
    version). Nothing is written when any file has a problem."""
    with tempfile.TemporaryDirectory() as directory:
        home = _unpack(data, Path(directory))
        try:
            return load_campaign_directory(session, home, author=author)
        except UnicodeDecodeError:
            raise CampaignImportError(
                [("upload", None, "Every file must be UTF-8 text.")]
            ) from None
        except CampaignFileError as error:
            prefix = str(Path(directory)) + "/"
            raise CampaignImportError(
                [
                    (path.replace(prefix, ""), line, message)
                    for path, line, message in error.problems
                ]
            ) from None
