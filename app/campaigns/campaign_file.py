"""Reading ``campaign.yaml``: YAML with line numbers, checked against the documented keys.

Every key is documented in docs/campaign-format.md; a key not listed there is refused, with the
file and line, so a typo never silently drops a setting.
"""

from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from app.campaigns.models import CampaignStatus, OfficeKind


class CampaignFileError(ValueError):
    """One or more problems in a campaign directory, each with its file and line."""

    def __init__(self, problems: list[tuple[str, int | None, str]]) -> None:
        self.problems = problems
        super().__init__(
            "\n".join(
                f"{path}:{line}: {msg}" if line else f"{path}: {msg}"
                for path, line, msg in problems
            )
        )


class _LineDict(dict[str, Any]):
    line: int = 1
    lines: dict[str, int]


class _LineList(list[Any]):
    line: int = 1
    lines: list[int]


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _LineDict:
    loader.flatten_mapping(node)
    mapping = _LineDict()
    mapping.line = node.start_mark.line + 1
    mapping.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in mapping:
            raise yaml.MarkedYAMLError(
                problem=f"duplicate key {key!r}", problem_mark=key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.lines[key] = line
    return mapping


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> _LineList:
    items = _LineList(loader.construct_object(child, deep=True) for child in node.value)
    items.line = node.start_mark.line + 1
    items.lines = [child.start_mark.line + 1 for child in node.value]
    return items


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,79}$")]
StateCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Resolution(_Strict):
    code: Text
    title: Text
    legislature: str = ""
    session: str = ""
    authors: list[Text] = []
    coauthors: list[Text] = []
    url: str = ""
    date: str = ""
    status: str = ""
    summary: str = ""
    findings: list[Text] = []


class Demand(_Strict):
    label: Text
    text: Text
    source: str = ""


class Address(_Strict):
    kind: str = "office"
    address: Text
    city: str = ""
    state: str = ""
    zip: str = ""
    phone: str = ""


class Person(_Strict):
    name: Text
    first_name: str = ""
    last_name: str = ""
    title: str = ""
    salutation: str = ""
    party: str = ""


class ExecutiveTarget(_Strict):
    key: Annotated[str, StringConstraints(pattern=r"^executive:[A-Z]{2}:[a-z0-9_-]+$")]
    title: Text
    official: Person
    email: str = ""
    contact_form_url: str = ""
    phone: str = ""
    addresses: list[Address] = []


class CustomTarget(_Strict):
    key: Annotated[str, StringConstraints(pattern=r"^custom:[a-z0-9][a-z0-9_-]{0,50}$")]
    name: Text
    title: str = ""
    office_title: str = ""
    first_name: str = ""
    last_name: str = ""
    salutation: str = ""
    email: str = ""
    contact_form_url: str = ""
    phone: str = ""
    addresses: list[Address] = []


class Stance(_Strict):
    official_id: Text
    action: Literal["exclude", "template"]
    template: str = ""
    note: str = ""


class Targeting(_Strict):
    office_kinds: Annotated[list[OfficeKind], Field(min_length=1)]
    states: list[StateCode] = []
    executive: list[
        Annotated[str, StringConstraints(pattern=r"^executive:[A-Z]{2}:[a-z0-9_-]+$")]
        | ExecutiveTarget
    ] = []
    custom_targets: list[CustomTarget] = []
    stances: list[Stance] = []


class FederalBill(_Strict):
    congress: int
    type: Text
    number: int


class CampaignSettings(_Strict):
    goal: int | None = None
    allow_body_edit: bool = False
    organization_statement: str = ""
    channels: dict[OfficeKind, Text] = {}
    require_email_confirmation: bool = False
    sending_window: dict[str, Any] = {}
    cwc_topic: str = ""
    federal_bills: list[FederalBill] = []
    share_text: str = ""
    thanks_message: str = ""


class CampaignFile(_Strict):
    slug: Slug
    title: Text
    status: CampaignStatus = CampaignStatus.draft
    language: str = "en"
    description: str = ""
    resolution: Resolution
    demands: Annotated[list[Demand], Field(min_length=1)]
    targeting: Targeting
    settings: CampaignSettings = CampaignSettings()


def _line_of(data: Any, loc: tuple[int | str, ...]) -> int:
    line = getattr(data, "line", 1)
    node = data
    for part in loc:
        if isinstance(node, _LineDict) and part in node:
            line, node = node.lines[str(part)], node[str(part)]
        elif isinstance(node, _LineList) and isinstance(part, int) and part < len(node):
            line, node = node.lines[part], node[part]
    return line


def _message(error: Any) -> str:
    where = ".".join(str(p) for p in error["loc"] if isinstance(p, int | str))
    if error["type"] == "extra_forbidden":
        return f"unknown key {where!r} (see docs/campaign-format.md)"
    if error["type"] == "missing":
        return f"missing key {where!r}"
    return f"{where}: {error['msg']}"


def _dates_to_text(value: Any) -> Any:
    # YAML reads 2024-02-13 as a date; the format stores ISO text.
    if isinstance(value, _LineDict):
        for key in value:
            value[key] = _dates_to_text(value[key])
    elif isinstance(value, _LineList):
        for index, item in enumerate(value):
            value[index] = _dates_to_text(item)
    elif isinstance(value, date):
        return value.isoformat()
    return value


def read_campaign_file(path: Path, label: str) -> CampaignFile:
    """Parse and check one campaign.yaml; ``label`` is how messages name the file."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except FileNotFoundError:
        raise CampaignFileError([(label, None, "file not found")]) from None
    except UnicodeDecodeError:
        raise CampaignFileError([(label, None, "not UTF-8 text")]) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise CampaignFileError([(label, line, str(error.problem))]) from None
    if not isinstance(data, _LineDict):
        raise CampaignFileError([(label, 1, "expected a mapping of keys at the top level")])
    data = _dates_to_text(data)
    try:
        return CampaignFile.model_validate(data)
    except ValidationError as error:
        problems = [(label, _line_of(data, e["loc"]), _message(e)) for e in error.errors()]
        raise CampaignFileError(problems) from None


def key_line(path: Path, dotted: str) -> int | None:
    """The line of a key such as ``targeting.office_kinds``, for messages about whole sections."""
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    parts: list[int | str] = [int(p) if p.isdigit() else p for p in dotted.split(".")]
    return _line_of(data, tuple(parts))
