"""The campaign editor's form: from posted fields to campaign values, with an error per field.

Parsing is kept apart from the routes so the rules (what a demand needs, what a date looks like)
can be tested without HTTP, and so a refused form can be shown again exactly as it was typed.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from starlette.datastructures import FormData

from app.campaigns.models import Campaign, CampaignStatus, OfficeKind

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,78}[a-z0-9]$")
STATE = re.compile(r"^[A-Z]{2}$")
OFFICE_KEY = re.compile(r"^(executive|custom):[A-Za-z0-9:_-]{1,60}$")
CUSTOM_SLUG = re.compile(r"^custom:[a-z0-9][a-z0-9-]{0,50}$")
KNOWN_CHANNELS = ("cwc", "email", "form", "webhook", "hold")

STATUS_MEANINGS = {
    CampaignStatus.draft: (
        "Being prepared: the public form takes no letters, so nothing is written or sent."
    ),
    CampaignStatus.live: "Open: supporters can write, and their letters go to the delivery queue.",
    CampaignStatus.paused: (
        "Paused: the public form says it is not accepting letters right now and refuses new "
        "ones; letters already written wait in the queue and go out when it is live again."
    ),
    CampaignStatus.closed: (
        "Closed for good: like paused, but it cannot be reopened; letters already written are "
        "still delivered (cancel them on the delivery desk if they should not be)."
    ),
}
# Draft may only go live; a closed campaign stays closed (reopening would surprise supporters
# who were told it ended).
STATUS_MOVES: dict[str, tuple[str, ...]] = {
    "draft": ("live",),
    "live": ("paused", "closed"),
    "paused": ("live", "closed"),
    "closed": (),
}


@dataclass
class CampaignForm:
    """The posted values as typed (``form``) and what they mean (``values``) once valid."""

    form: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)


def _text(data: FormData, name: str, limit: int = 2000) -> str:
    value = data.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _names(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[\n;]+|,(?![^()]*\))", text) if part.strip()]


def form_from_campaign(campaign: Campaign) -> dict[str, Any]:
    """The editor's fields filled from a saved campaign."""
    resolution = campaign.resolution or {}
    targeting = campaign.targeting or {}
    settings = campaign.settings or {}
    customs = targeting.get("custom_targets") or []
    return {
        "slug": campaign.slug,
        "title": campaign.title,
        "description": campaign.description,
        **{f"resolution_{k}": str(resolution.get(k) or "") for k in _RESOLUTION_TEXT},
        "resolution_authors": "\n".join(resolution.get("authors") or []),
        "resolution_coauthors": "\n".join(resolution.get("coauthors") or []),
        "resolution_findings": "\n".join(resolution.get("findings") or []),
        "demands": [dict(d) for d in campaign.demands or []],
        "office_kinds": list(targeting.get("office_kinds") or []),
        "states": ", ".join(targeting.get("states") or []),
        "executive": "\n".join(targeting.get("executive") or []),
        "custom_targets": "\n".join(
            " | ".join(str(t.get(k) or "") for k in _CUSTOM_FIELDS) for t in customs
        ),
        "goal": str(settings.get("goal") or ""),
        "starts_on": str(settings.get("starts_on") or ""),
        "ends_on": str(settings.get("ends_on") or ""),
    }


_RESOLUTION_TEXT = ("code", "title", "legislature", "session", "url", "date", "status", "summary")
_CUSTOM_FIELDS = ("key", "name", "title", "salutation", "email")


def parse_campaign_form(data: FormData, *, creating: bool) -> CampaignForm:
    result = CampaignForm()
    form, errors = result.form, result.errors
    form["slug"] = _text(data, "slug", 100)
    form["title"] = _text(data, "title", 300)
    form["description"] = _text(data, "description", 5000)
    for key in _RESOLUTION_TEXT:
        form[f"resolution_{key}"] = _text(data, f"resolution_{key}", 5000)
    form["resolution_authors"] = _text(data, "resolution_authors")
    form["resolution_coauthors"] = _text(data, "resolution_coauthors")
    form["resolution_findings"] = _text(data, "resolution_findings", 20000)
    form["demands"] = _posted_demands(data)
    form["office_kinds"] = [k for k in data.getlist("office_kinds") if isinstance(k, str)]
    form["states"] = _text(data, "states")
    form["executive"] = _text(data, "executive")
    form["custom_targets"] = _text(data, "custom_targets", 10000)
    form["goal"] = _text(data, "goal", 20)
    form["starts_on"] = _text(data, "starts_on", 20)
    form["ends_on"] = _text(data, "ends_on", 20)

    if creating and not SLUG.match(form["slug"]):
        errors["slug"] = "Use 2 to 80 lower-case letters, digits and hyphens, e.g. sjr-11."
    if not form["title"]:
        errors["title"] = "Give the campaign a title."
    if not form["resolution_code"]:
        errors["resolution_code"] = "Give the resolution's code, e.g. SJR 11."
    url = form["resolution_url"]
    if url and not url.startswith(("https://", "http://")):
        errors["resolution_url"] = "Give the full address, starting with https://."
    if form["resolution_date"] and _date(form["resolution_date"]) is None:
        errors["resolution_date"] = "Use the form YYYY-MM-DD."
    demands = _valid_demands(form["demands"], errors)
    unknown = [k for k in form["office_kinds"] if k not in OfficeKind.__members__]
    if unknown:
        errors["office_kinds"] = f"Unknown office kind: {', '.join(unknown)}."
    elif not form["office_kinds"]:
        errors["office_kinds"] = "Choose at least one kind of office to write to."
    states = [s.strip().upper() for s in re.split(r"[\s,]+", form["states"]) if s.strip()]
    if any(not STATE.match(s) for s in states):
        errors["states"] = "Use two-letter state codes separated by commas, e.g. CA, NV."
    executive = [line.strip() for line in form["executive"].splitlines() if line.strip()]
    if any(not OFFICE_KEY.match(k) or not k.startswith("executive:") for k in executive):
        errors["executive"] = "One office key per line, e.g. executive:US:president."
    customs = _custom_targets(form["custom_targets"], errors)
    goal = None
    if form["goal"]:
        if not re.fullmatch(r"[0-9]{1,9}", form["goal"]) or int(form["goal"]) > 100_000_000:
            errors["goal"] = "Give a whole number of letters, or leave it empty."
        else:
            goal = int(form["goal"])
    starts, ends = _date(form["starts_on"]), _date(form["ends_on"])
    if form["starts_on"] and starts is None:
        errors["starts_on"] = "Use the form YYYY-MM-DD."
    if form["ends_on"] and ends is None:
        errors["ends_on"] = "Use the form YYYY-MM-DD."
    if starts and ends and ends < starts:
        errors["ends_on"] = "The end comes before the start."
    if errors:
        return result
    # Every key the editor shows, empty ones too, so clearing a field clears it.
    resolution: dict[str, Any] = {k: form[f"resolution_{k}"] for k in _RESOLUTION_TEXT}
    resolution["authors"] = _names(form["resolution_authors"])
    resolution["coauthors"] = _names(form["resolution_coauthors"])
    resolution["findings"] = [
        line.strip() for line in form["resolution_findings"].splitlines() if line.strip()
    ]
    result.values = {
        "slug": form["slug"],
        "title": form["title"],
        "description": form["description"],
        "resolution": resolution,
        "demands": demands,
        "targeting": {
            "office_kinds": form["office_kinds"],
            "states": states,
            "executive": executive,
            "custom_targets": customs,
        },
        "settings": {
            "goal": goal,
            "starts_on": starts.isoformat() if starts else None,
            "ends_on": ends.isoformat() if ends else None,
        },
    }
    return result


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _posted_demands(data: FormData) -> list[dict[str, str]]:
    """Rows demand_label_N / demand_text_N / demand_source_N / demand_position_N; a ticked
    demand_delete_N drops the row, and rows are sorted by the position typed."""
    rows = []
    indexes = sorted(
        {int(k.rsplit("_", 1)[1]) for k in data if re.fullmatch(r"demand_text_[0-9]{1,3}", k)}
    )
    for n in indexes[:100]:
        row = {
            "label": _text(data, f"demand_label_{n}", 200),
            "text": _text(data, f"demand_text_{n}", 5000),
            "source": _text(data, f"demand_source_{n}", 500),
            "position": _text(data, f"demand_position_{n}", 10) or str(n + 1),
            "delete": "1" if data.get(f"demand_delete_{n}") else "",
        }
        if row["delete"] or not (row["label"] or row["text"] or row["source"]):
            continue
        rows.append(row)
    rows.sort(key=lambda row: _position(row["position"]))  # stable: ties keep form order
    return rows


def _position(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 1e9


def _valid_demands(rows: list[dict[str, str]], errors: dict[str, str]) -> list[dict[str, str]]:
    for number, row in enumerate(rows, start=1):
        if not row["label"] or not row["text"]:
            errors["demands"] = f"Demand {number} needs both a short label and its full text."
            break
    if not rows and "demands" not in errors:
        errors["demands"] = "Add at least one demand: what the letters ask for."
    return [{"label": r["label"], "text": r["text"], "source": r["source"]} for r in rows]


def _custom_targets(text: str, errors: dict[str, str]) -> list[dict[str, str]]:
    targets = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        parts += [""] * (len(_CUSTOM_FIELDS) - len(parts))
        target = dict(zip(_CUSTOM_FIELDS, parts[: len(_CUSTOM_FIELDS)], strict=True))
        if not CUSTOM_SLUG.match(target["key"]) or not target["name"]:
            errors["custom_targets"] = (
                f"Line {number}: write custom:<slug> | name | title | salutation | e-mail."
            )
            break
        if target["email"] and "@" not in target["email"]:
            errors["custom_targets"] = f"Line {number}: that e-mail address is not valid."
            break
        targets.append({k: v for k, v in target.items() if v})
    return targets


def parse_channels(data: FormData) -> tuple[dict[str, str], dict[str, str]]:
    """channel_<office kind> fields; empty means no channel (letters are held, visibly)."""
    channels, errors = {}, {}
    for kind in OfficeKind:
        value = _text(data, f"channel_{kind.value}", 32)
        if not value:
            continue
        if value not in KNOWN_CHANNELS:
            errors[f"channel_{kind.value}"] = f"Choose one of: {', '.join(KNOWN_CHANNELS)}."
        channels[kind.value] = value
    return channels, errors
