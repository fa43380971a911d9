"""The ``form`` channel: posting a letter to an office's own web contact form, declaratively.

Off unless ``contact_forms_path`` names a YAML file. Each entry maps form fields to letter and
supporter fields and says how to read the answer (full example in docs/channels.md)::

    forms:
      - offices: ["state_lower:CA-*", "state_upper:CA-*"]   # office key patterns (fnmatch)
        url: "https://example.gov/contact?district={district}"  # default: office.contact_form_url
        encoding: form                     # form (urlencoded) | json
        fields: {first: "{first_name}", last: "{last_name}", msg: "{body}", topic: "Other"}
        success_text: "Thank you for contacting"
        reject_texts: ["not in this district"]   # answer contains one: rejected, permanently
        unknown_answer: reject                   # 2xx without the success text: reject | retry

Placeholders: prefix, first_name, last_name, email, phone, street, street2, city, state, zip,
subject, body, office_key, district. A form has no idempotency: a re-sent form is a second
message, so an unreadable answer is rejected (visible to organisers) unless the entry says retry.
"""

import fnmatch
from pathlib import Path
from typing import Any

import httpx
import yaml

from app.config import Settings
from app.delivery.channels import Envelope, Outcome, Rejected, Retry, Sent
from app.delivery.channels.webhook import parse_retry_after

CONFIG_RETRY_S = 3600.0
_cache: dict[Path, tuple[float, list[dict[str, Any]]]] = {}


class FormConfigError(ValueError):
    pass


def load_forms(path: Path) -> list[dict[str, Any]]:
    """The configured forms, re-read when the file changes."""
    mtime = path.stat().st_mtime
    cached = _cache.get(path)
    if cached and cached[0] == mtime:
        return cached[1]
    data = yaml.safe_load(path.read_text()) or {}
    forms = data.get("forms") if isinstance(data, dict) else None
    if not isinstance(forms, list) or not all(isinstance(f, dict) for f in forms):
        raise FormConfigError(f"{path}: expected a list under 'forms'")
    for n, form in enumerate(forms):
        if not form.get("fields") or not form.get("success_text") or not form.get("offices"):
            raise FormConfigError(f"{path}: form {n + 1} needs offices, fields and success_text")
    _cache[path] = (mtime, forms)
    return forms


def form_for(forms: list[dict[str, Any]], office_key: str) -> dict[str, Any] | None:
    for form in forms:
        patterns = form["offices"] if isinstance(form["offices"], list) else [form["offices"]]
        if any(fnmatch.fnmatchcase(office_key, str(p)) for p in patterns):
            return form
    return None


class _Strict(dict[str, str]):
    def __missing__(self, key: str) -> str:
        raise FormConfigError(f"unknown placeholder {{{key}}}")


def _values(envelope: Envelope) -> _Strict:
    supporter = envelope.supporter or {}
    office = envelope.office
    values = _Strict({k: str(v) if v is not None else "" for k, v in supporter.items()})
    values.update(
        subject=envelope.letter.subject,
        body=envelope.letter.body,
        office_key=envelope.letter.office_key,
        district=(office.district or "") if office else "",
    )
    return values


class FormChannel:
    name = "form"

    def __init__(self, client: httpx.AsyncClient, settings: Settings) -> None:
        self.client = client
        self.settings = settings

    @staticmethod
    def unavailable_reason(settings: Settings, campaign_settings: dict[str, Any]) -> str | None:
        path = settings.contact_forms_path
        if not path:
            return "no contact forms are configured (LETTERCAST_CONTACT_FORMS_PATH)"
        try:
            load_forms(path)
        except (OSError, yaml.YAMLError, FormConfigError) as error:
            return f"the contact forms file cannot be used: {error}"
        return None

    async def send(self, envelope: Envelope) -> Outcome:
        reason = self.unavailable_reason(self.settings, {})
        if reason or self.settings.contact_forms_path is None:
            return Retry(reason or "no contact forms", after=CONFIG_RETRY_S)
        office_key = envelope.letter.office_key
        form = form_for(load_forms(self.settings.contact_forms_path), office_key)
        if form is None:
            return Rejected(f"no contact form is configured for office {office_key}")
        if not envelope.supporter:
            return Rejected("the supporter's details were erased; the form needs them")
        values = _values(envelope)
        try:
            url = str(form.get("url") or (envelope.office and envelope.office.contact_form_url))
            url = url.format_map(values) if form.get("url") else url
            fields = {name: str(t).format_map(values) for name, t in form["fields"].items()}
        except (FormConfigError, ValueError) as error:
            return Retry(f"the contact form entry is wrong: {error}", after=CONFIG_RETRY_S)
        if not url.startswith(("http://", "https://")):
            return Rejected(f"office {envelope.letter.office_key} has no contact form address")
        encoding = {"json": fields} if form.get("encoding") == "json" else {"data": fields}
        try:
            response = await self.client.post(
                url, timeout=float(form.get("timeout_s", 30)), **encoding
            )
        except httpx.TimeoutException:
            return Retry("the contact form did not answer in time")
        except httpx.HTTPError as error:
            return Retry(f"could not reach the contact form: {type(error).__name__}")
        return _outcome(response, form)


def _outcome(response: httpx.Response, form: dict[str, Any]) -> Outcome:
    status, text = response.status_code, response.text
    if status == 429 or status >= 500:
        after = parse_retry_after(response.headers.get("retry-after"))
        return Retry(f"the contact form answered HTTP {status}", after=after)
    for refusal in form.get("reject_texts") or ():
        if str(refusal) in text:
            return Rejected(f"the contact form refused the letter: {refusal!r}")
    if 200 <= status < 300 and str(form["success_text"]) in text:
        return Sent(response.headers.get("x-request-id"))
    if 400 <= status < 500:
        return Rejected(f"the contact form answered HTTP {status}")
    reason = f"the contact form answered HTTP {status} without its success text"
    if form.get("unknown_answer") == "retry":
        return Retry(reason)
    return Rejected(reason)
