"""Request and response shapes of the submissions API, with every field's limits.

Limits match the columns they are stored in (``Supporter``, ``Letter``) and what downstreams
accept (CWC's ZIP and phone patterns), so anything accepted here can be stored and delivered.
"""

import re
from typing import Annotated, Any, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)

from app.representatives.states import STATES as US_STATES

# Prefixes a supporter may choose; "Mx." for those who use no gendered title.
PREFIXES = ("Mr.", "Ms.", "Mrs.", "Mx.", "Dr.", "Rev.", "Hon.", "Prof.")
Prefix = Literal["Mr.", "Ms.", "Mrs.", "Mx.", "Dr.", "Rev.", "Hon.", "Prof."]

MAX_NOTE = 2000
MAX_BODY = 10000  # CWC's ConstituentMessage allows up to 10,000 characters


def _no_control_characters(value: Any) -> Any:
    if isinstance(value, str) and re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", value):
        raise ValueError("must not contain control characters")
    return value


def _single_line(value: Any) -> Any:
    if not isinstance(value, str):
        return value  # the type check that follows says what is wrong
    if "\n" in value or "\r" in value:
        raise ValueError("must be a single line")
    if "\t" in value:
        raise ValueError("must not contain tabs")
    return _no_control_characters(value)


# The same rules as JSON Schema patterns, so the OpenAPI document says what is accepted.
ONE_LINE = r"^[^\x00-\x1f\x7f]*$"
ONE_LINE_REQUIRED = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
MULTI_LINE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
MULTI_LINE_REQUIRED = (
    r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
)


def _line(max_length: int, *, required: bool = True) -> Any:
    """A single line of text, at most ``max_length`` characters once trimmed."""
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=int(required), max_length=max_length),
        # Runs before the constraints above, on the raw value: a tab or newline is never hidden.
        BeforeValidator(_single_line),
        WithJsonSchema(
            {
                "type": "string",
                "minLength": int(required),
                "maxLength": max_length,
                "pattern": ONE_LINE_REQUIRED if required else ONE_LINE,
            }
        ),
    ]


Name = _line(100)
Street = _line(200)
OptionalStreet = _line(200, required=False)
City = _line(100)
Source = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=100, pattern=r"^[\w.\-:/+ ]*$"),
]


def _check_state(value: str) -> str:
    value = value.upper()
    if value not in US_STATES:
        raise ValueError("must be a two-letter US state, DC or territory code, e.g. CA")
    return value


def _check_email(value: str) -> str:
    try:
        # Syntax only: a DNS lookup per submission would be slow and fail offline. The .test
        # domain (RFC 2606) is let through for test set-ups; other special-use names are not.
        result = validate_email(value, check_deliverability=False, test_environment=True)
    except EmailNotValidError as error:
        raise ValueError(str(error)) from None
    return result.normalized


def _check_phone(value: str) -> str | None:
    digits = re.sub(r"[\s().+\-]", "", value)
    if not digits:
        return None
    if not digits.isdigit():
        raise ValueError("must be a US phone number, e.g. 818-555-0100")
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10:
        raise ValueError("must have 10 digits, e.g. 818-555-0100")
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"


State = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=2, max_length=2),
    AfterValidator(_check_state),
    WithJsonSchema({"type": "string", "enum": sorted(US_STATES), "examples": ["CA"]}),
]
Zip = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{5}(-[0-9]{4})?$"),
]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=254),
    AfterValidator(_check_email),
    WithJsonSchema({"type": "string", "format": "email", "maxLength": 254}),
]
# Ten digits (an optional leading 1 or +1), spaces, dots, dashes and brackets between them.
PHONE_PATTERN = r"^[ ]*(\+?1[ .\-]?)?[(]?[0-9]{3}[)]?[ .\-]?[0-9]{3}[ .\-]?[0-9]{4}[ ]*$"
Phone = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=25),
    AfterValidator(_check_phone),
    WithJsonSchema({"type": "string", "pattern": PHONE_PATTERN, "examples": ["818-555-0100"]}),
]
Note = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=MAX_NOTE),
    BeforeValidator(_no_control_characters),
    WithJsonSchema({"type": "string", "maxLength": MAX_NOTE, "pattern": MULTI_LINE}),
]
Body = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_BODY),
    BeforeValidator(_no_control_characters),
    WithJsonSchema(
        {"type": "string", "minLength": 1, "maxLength": MAX_BODY, "pattern": MULTI_LINE_REQUIRED}
    ),
]
OfficeKey = Annotated[str, StringConstraints(max_length=64, pattern=r"^[a-z_]+:[A-Za-z0-9:_\-]+$")]
Overrides = Annotated[
    dict[OfficeKey, Body],
    WithJsonSchema(
        {
            "type": "object",
            "maxProperties": 20,
            "propertyNames": {"pattern": r"^[a-z_]+:[A-Za-z0-9:_\-]+$", "maxLength": 64},
            "additionalProperties": {
                "type": "string",
                "minLength": 1,
                "maxLength": MAX_BODY,
                "pattern": MULTI_LINE_REQUIRED,
            },
        }
    ),
]

EXAMPLE_IN = {
    "prefix": "Ms.",
    "first_name": "Anahit",
    "last_name": "Petrosyan",
    "email": "anahit@example.org",
    "phone": "818-555-0100",
    "address": {
        "street": "100 N Brand Blvd",
        "street2": "Apt 4",
        "city": "Glendale",
        "state": "CA",
        "zip": "91203",
    },
    "personal_note": "My grandparents survived 1915; please act now.",
    "consent": True,
    "source": "newsletter",
}


class AddressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    street: Street
    street2: OptionalStreet | None = None
    city: City
    state: State = Field(description="Two-letter code (states, DC, territories).")
    zip: Zip = Field(description="Five-digit ZIP, optionally ZIP+4: 91203 or 91203-1234.")


class SubmissionIn(BaseModel):
    """What a supporter submits. Unknown fields are refused so typos do not pass silently."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE_IN]})

    prefix: Prefix | None = Field(None, description=f"One of: {', '.join(PREFIXES)}.")
    first_name: Name
    last_name: Name
    email: Email = Field(
        description="Checked for syntax only, with no DNS lookup; special-use domains that "
        "cannot receive mail (.local, .invalid, localhost, …) are refused. One supporter "
        "per campaign per address (case does not matter)."
    )
    phone: Phone | None = Field(None, description="US number; stored as 818-555-0100.")
    address: AddressIn
    personal_note: Note | None = Field(
        None, description=f"Woven into every letter; up to {MAX_NOTE} characters."
    )
    consent: bool = Field(
        False, description="May the organisation contact the supporter? Stored apart from letters."
    )
    source: Source | None = Field(
        None,
        description="Referral tag, e.g. from ?source= or utm_campaign (letters, digits, .-_:/+).",
    )
    letter_overrides: Overrides | None = Field(
        None,
        max_length=20,
        description="office_key → edited letter body; only where the campaign allows editing.",
    )


class LetterOut(BaseModel):
    id: int | None = Field(description="None in a preview.")
    office_key: str = Field(examples=["us_house:CA-30"])
    office_kind: str = Field(examples=["us_house"])
    official_name: str
    subject: str
    body: str = Field(description="Exactly the text that is (or will be) delivered.")
    status: str = Field(
        description="Outbox state: queued, sending, sent, failed (will retry), dead, held, "
        "cancelled; 'preview' in a preview."
    )


class SubmissionOut(BaseModel):
    token: str | None = Field(
        description="Secret key to this submission (GET /api/submissions/{token}); "
        "None in a preview."
    )
    matched_address: str | None = Field(description="The address as the geocoder matched it.")
    letters: list[LetterOut]


class FieldProblem(BaseModel):
    field: str = Field(examples=["address.zip"], description="Dotted path of the field.")
    reason: str = Field(examples=["String should match pattern '^[0-9]{5}(-[0-9]{4})?$'"])


class SubmissionErrorBody(BaseModel):
    code: str = Field(examples=["invalid_input"])
    message: str
    fields: list[FieldProblem] = []
    candidates: list[str] | None = None


class SubmissionErrorOut(BaseModel):
    """Every error of the submissions API has this shape."""

    error: SubmissionErrorBody
