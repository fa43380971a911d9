"""Letter templates as organisers edit them: versions, checks with line numbers, previews, diffs.

A save never changes an existing version: it adds the next one, so letters already written keep
naming the exact text that produced them, and a roll-back is a new version with old text.
"""

import difflib
import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.campaigns.models import Campaign, OfficeKind, TemplateVersion
from app.letters.compose import variant_seed
from app.letters.context import (
    CONTEXT_FIELDS,
    SAMPLE_SUPPORTER,
    SupporterDetails,
    letter_context,
    sample_seat,
)
from app.letters.render import LetterTemplateError, check_template_source, render_template_source
from app.representatives.models import Office, Official
from app.supporters import service as supporters
from app.supporters.models import Supporter

TEMPLATE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
PARTS = ("subject", "body")
MAX_SOURCE = 50_000


@dataclass(frozen=True)
class Problem:
    part: str  # "subject" or "body"
    line: int | None
    message: str


@dataclass
class Preview:
    subject: str = ""
    body: str = ""
    problems: list[Problem] = field(default_factory=list)
    addressee: str = ""
    writer: str = "the sample supporter Anahit Sample of Glendale, CA"


def _details(supporter: Supporter) -> SupporterDetails:
    return SupporterDetails(
        prefix=supporter.prefix,
        first_name=supporter.first_name,
        last_name=supporter.last_name,
        email=supporter.email,
        street=supporter.street,
        street2=supporter.street2,
        city=supporter.city,
        state=supporter.state,
        zip=supporter.zip,
        personal_note=supporter.personal_note,
    )


class TemplateProblems(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def variables() -> list[str]:
    """Every name a template may use, for the list beside the editor."""
    names = []
    for name, fields in CONTEXT_FIELDS.items():
        names += [f"{name}.{f}" for f in fields] if fields else [name]
    return names


def template_names(
    session: Session, campaign: Campaign
) -> list[tuple[str, TemplateVersion | None]]:
    """The campaign's office kinds, the templates its stances name, and any saved template."""
    targeting = campaign.targeting or {}
    names = list(targeting.get("office_kinds") or [])
    names += [s["template"] for s in targeting.get("stances") or [] if s.get("template")]
    current: dict[str, TemplateVersion] = {}
    for row in session.exec(
        select(TemplateVersion)
        .where(TemplateVersion.campaign_id == campaign.id)
        .order_by(col(TemplateVersion.version))
    ):
        current[row.name] = row
    names += sorted(current)
    return [(name, current.get(name)) for name in dict.fromkeys(names)]


def versions(session: Session, campaign: Campaign, name: str) -> list[TemplateVersion]:
    return list(
        session.exec(
            select(TemplateVersion)
            .where(TemplateVersion.campaign_id == campaign.id, TemplateVersion.name == name)
            .order_by(col(TemplateVersion.version).desc())
        )
    )


def get_version(
    session: Session, campaign: Campaign, name: str, version: int
) -> TemplateVersion | None:
    if not 0 < version < 2**31:  # an INTEGER column; PostgreSQL refuses larger numbers
        return None
    return session.exec(
        select(TemplateVersion).where(
            TemplateVersion.campaign_id == campaign.id,
            TemplateVersion.name == name,
            TemplateVersion.version == version,
        )
    ).first()


def check(subject: str, body: str) -> list[Problem]:
    """Syntax, unknown variables and fields, sandbox refusals: each with its part and line."""
    problems = []
    for part, source in (("subject", subject), ("body", body)):
        if not source.strip():
            problems.append(Problem(part, None, f"The {part} is empty."))
            continue
        try:
            check_template_source(source, name=part)
        except LetterTemplateError as error:
            problems.append(Problem(part, error.line, error.message))
    return problems


def save_version(
    session: Session,
    campaign: Campaign,
    name: str,
    subject: str,
    body: str,
    author: str,
    note: str | None = None,
) -> TemplateVersion:
    """Checks both parts and adds the next version (flushes; the caller commits)."""
    problems = check(subject, body)
    if problems:
        raise TemplateProblems(problems)
    latest = versions(session, campaign, name)
    row = TemplateVersion(
        campaign_id=campaign.id,  # type: ignore[arg-type]
        name=name,
        version=(latest[0].version + 1) if latest else 1,
        subject_source=subject,
        body_source=body,
        author=author[:200],
        note=(note or None) and note[:500],
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise TemplateProblems(
            [Problem("body", None, "Someone saved this template at the same moment. Reload.")]
        ) from None
    return row


def preview_seat(
    session: Session, name: str, official_id: str | None
) -> tuple[Office, Official | None]:
    """The chosen real official and their seat, or a fictional one of the template's kind."""
    if official_id:
        official = session.get(Official, official_id)
        if official is not None and official.office_id is not None:
            office = session.get(Office, official.office_id)
            if office is not None:
                return office, official
    kind = name if name in OfficeKind.__members__ else "custom"
    return sample_seat(kind)


def preview(
    session: Session,
    campaign: Campaign,
    name: str,
    subject: str,
    body: str,
    official_id: str | None,
    today: date | None = None,
    supporter_email: str | None = None,
) -> Preview:
    """The letter as the chosen official would receive it from the sample supporter, or from
    a real supporter of this campaign (found by e-mail, e.g. to answer their question)."""
    office, official = preview_seat(session, name, official_id)
    result = Preview(addressee=f"{official.name if official else office.title} ({office.key})")
    result.problems = check(subject, body)
    writer = SAMPLE_SUPPORTER
    if supporter_email:
        found = supporters.find_supporter(session, campaign.id, supporter_email)  # type: ignore[arg-type]
        if found is None or found.erased_at is not None:
            result.problems.append(
                Problem("supporter", None, "No supporter of this campaign has that address.")
            )
        else:
            writer = _details(found)
            result.writer = f"{found.first_name} {found.last_name} of {found.city}, {found.state}"
    if result.problems:
        return result
    context = letter_context(campaign, office, official, writer, today)
    # The same seed and file names as compose_letter, so the preview shows the variants the
    # office will really receive from this writer.
    seed = variant_seed(writer.email, office.key)
    for part, source in (("subject", subject), ("body", body)):
        try:
            text = render_template_source(
                source, context, name=f"{name}.{part}.txt", variant_seed=seed
            )
        except LetterTemplateError as error:
            result.problems.append(Problem(part, error.line, error.message))
            continue
        setattr(result, part, " ".join(text.split()) if part == "subject" else text.strip() + "\n")
    return result


def diff(old: TemplateVersion, new: TemplateVersion) -> list[tuple[str, str]]:
    """(kind, line) pairs, kind one of "add", "del", "same", "head", for subject then body."""
    lines: list[tuple[str, str]] = []
    for part in PARTS:
        a = getattr(old, f"{part}_source").splitlines()
        b = getattr(new, f"{part}_source").splitlines()
        lines.append(("head", f"{part} (version {old.version} → {new.version})"))
        changed = False
        for line in difflib.unified_diff(a, b, lineterm="", n=2):
            if line.startswith(("---", "+++")):
                continue
            changed = True
            kind = {"+": "add", "-": "del", "@": "head"}.get(line[:1], "same")
            lines.append((kind, line))
        if not changed:
            lines.append(("same", "  (no change)"))
    return lines
