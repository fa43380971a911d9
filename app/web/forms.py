"""The supporter form: reading what was typed, checking it, and turning the submissions
service's field errors into messages next to the right form fields.

Everything typed travels back to the page as it was, so an error never costs the supporter
their work.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from app.submissions.schemas import MAX_NOTE, PREFIXES, AddressIn, SubmissionIn
from app.web.i18n import N_

Gettext = Callable[[str], str]

TEXT_FIELDS = (
    "prefix",
    "first_name",
    "last_name",
    "email",
    "phone",
    "street",
    "street2",
    "city",
    "state",
    "zip",
    "personal_note",
    "source",
)
REQUIRED = ("first_name", "last_name", "email", "street", "city", "state", "zip")
MAX_LENGTHS = {
    "prefix": 16,
    "first_name": 100,
    "last_name": 100,
    "email": 320,
    "phone": 40,
    "street": 200,
    "street2": 200,
    "city": 100,
    "state": 2,
    "zip": 10,
    "personal_note": MAX_NOTE,
    "source": 100,
}
# Order of fields in the error summary: the order they appear on the page.
FIELD_ORDER = (*TEXT_FIELDS[:11], "consent", "letters", "form")
BODY_PREFIX = "letter_body__"
HONEYPOT = "website"
_ZIP = re.compile(r"^\d{5}(-?\d{4})?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

MESSAGES = {
    "required": N_("This field is required."),
    "too_long": N_("This is too long."),
    "zip": N_("Enter a 5-digit ZIP code, for example 91203."),
    "email": N_("Enter an e-mail address like name@example.org."),
    "prefix": N_("Choose a title from the list, or none."),
    "phone": N_("Enter a US phone number, for example 818-555-0100, or leave it empty."),
    "state": N_("Choose your state from the list."),
    "invalid": N_("Check this field."),
    "address_not_found": N_(
        "We could not find this address. Check the street and number, the city and the ZIP code."
    ),
    "ambiguous_zip": N_(
        "Your ZIP code covers more than one district. Enter your full street address so we can "
        "find your own representatives."
    ),
    "no_district": N_(
        "We found this address but could not tell which district it is in. Check the address."
    ),
    "upstream_unavailable": N_(
        "The address lookup service is not answering right now. What you typed is kept: "
        "please try again in a minute."
    ),
    "no_officials": N_(
        "We could not find representatives for this address who are part of this campaign."
    ),
    "outside_targets": N_("This campaign is for residents of %(states)s. This address is outside."),
    "expired": N_(
        "This form was open for a long time and has expired. Everything you typed is kept: "
        "please check it and send again."
    ),
    "unavailable": N_(
        "Something went wrong on our side. Everything you typed is kept: please try again."
    ),
    "in_progress": N_("Your letters are already being sent. Please wait a moment and reload."),
}
# Address lookup failures (and the service's own codes for them) shown next to a field.
_CODE_FIELDS = {
    "invalid_address": ("street", "address_not_found"),
    "address_not_found": ("street", "address_not_found"),
    "invalid_zip": ("zip", "zip"),
    "ambiguous_zip": ("street", "ambiguous_zip"),
    "no_district": ("street", "no_district"),
    "upstream_unavailable": ("street", "upstream_unavailable"),
    "no_officials": ("street", "no_officials"),
    "outside_targets": ("state", "outside_targets"),
}
_FIELD_MESSAGES = {
    "email": "email",
    "zip": "zip",
    "phone": "phone",
    "prefix": "prefix",
    "state": "state",
}


@dataclass
class SupporterForm:
    values: dict[str, str] = field(default_factory=dict)
    consent: bool = False
    letter_bodies: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> "SupporterForm":
        values = {name: str(data.get(name) or "").strip() for name in TEXT_FIELDS}
        # A note keeps its line breaks; only surrounding blank space goes.
        values["personal_note"] = str(data.get("personal_note") or "").strip()
        values["state"] = values["state"].upper()
        bodies = {
            key[len(BODY_PREFIX) :]: str(value)
            for key, value in data.items()
            if key.startswith(BODY_PREFIX) and isinstance(value, str)
        }
        return cls(
            values=values, consent=data.get("consent") in ("1", "on", "yes"), letter_bodies=bodies
        )

    def add_error(self, name: str, message: str) -> None:
        self.errors.setdefault(name if name in FIELD_ORDER else "form", message)

    def ordered_errors(self) -> list[tuple[str, str]]:
        return sorted(self.errors.items(), key=lambda item: FIELD_ORDER.index(item[0]))

    def validate(self, gettext: Gettext, states: Mapping[str, str]) -> bool:
        """The checks a supporter can fix by themselves, before any lookup is made."""
        v = self.values
        for name in REQUIRED:
            if not v[name]:
                self.add_error(name, gettext(MESSAGES["required"]))
        for name, limit in MAX_LENGTHS.items():
            if len(v[name]) > limit:
                self.add_error(name, gettext(MESSAGES["too_long"]))
        if v["zip"] and not _ZIP.match(v["zip"]):
            self.add_error("zip", gettext(MESSAGES["zip"]))
        if v["email"] and not _EMAIL.match(v["email"]):
            self.add_error("email", gettext(MESSAGES["email"]))
        if v["prefix"] and v["prefix"] not in PREFIXES:
            self.add_error("prefix", gettext(MESSAGES["prefix"]))
        if v["state"] and v["state"] not in states:
            self.add_error("state", gettext(MESSAGES["state"]))
        return not self.errors

    def to_submission(self, gettext: Gettext, *, allow_body_edit: bool) -> SubmissionIn | None:
        """The API's input; None (with errors added) when the service's schema refuses it."""
        v = self.values
        overrides = {k: body for k, body in self.letter_bodies.items() if body.strip()}
        try:
            return SubmissionIn(
                prefix=v["prefix"] or None,
                first_name=v["first_name"],
                last_name=v["last_name"],
                email=v["email"],
                phone=v["phone"] or None,
                address=AddressIn(
                    street=v["street"],
                    street2=v["street2"] or None,
                    city=v["city"],
                    state=v["state"],
                    zip=v["zip"],
                ),
                personal_note=v["personal_note"] or None,
                consent=self.consent,
                source=v["source"] or None,
                letter_overrides=overrides if allow_body_edit and overrides else None,
            )
        except ValidationError as error:
            for problem in error.errors():
                loc = [str(part) for part in problem.get("loc", ())]
                self.add_error(field_name(".".join(loc)), gettext(_pydantic_message(problem)))
            return None

    def add_service_error(
        self, gettext: Gettext, code: str, message: str, field_path: str | None, **params: str
    ) -> None:
        """A failure reported by the submissions or representatives service, in our words."""
        if code in _CODE_FIELDS:
            name, key = _CODE_FIELDS[code]
            self.add_error(
                name, gettext(MESSAGES[key]) % params if params else gettext(MESSAGES[key])
            )
            return
        name = field_name(field_path or "")
        if name in _FIELD_MESSAGES:
            # Our own words for a field we know, in the page's language.
            self.add_error(name, gettext(MESSAGES[_FIELD_MESSAGES[name]]))
        else:
            self.add_error(name, message or gettext(MESSAGES["invalid"]))


def field_name(path: str) -> str:
    """``address.zip`` -> ``zip``; ``address`` -> ``street``; unknown -> the form as a whole."""
    parts = [p for p in path.replace("body.", "").split(".") if p]
    if not parts:
        return "form"
    if parts[0] == "address":
        return parts[1] if len(parts) > 1 and parts[1] in TEXT_FIELDS else "street"
    if parts[0] == "letter_overrides":
        return "letters"
    return parts[0] if parts[0] in FIELD_ORDER else "form"


def _pydantic_message(problem: Mapping[str, Any]) -> str:
    kind = str(problem.get("type", ""))
    loc = [str(part) for part in problem.get("loc", ())]
    if kind == "missing" or kind == "string_too_short":
        return MESSAGES["required"]
    if kind == "string_too_long":
        return MESSAGES["too_long"]
    if "email" in loc:
        return MESSAGES["email"]
    if "zip" in loc:
        return MESSAGES["zip"]
    if "phone" in loc:
        return MESSAGES["phone"]
    if "prefix" in loc:
        return MESSAGES["prefix"]
    if "state" in loc:
        return MESSAGES["state"]
    return MESSAGES["invalid"]
