"""Response shapes of ``GET /api/representatives`` (and ``lettercast reps lookup --json``)."""

from typing import Any

from pydantic import BaseModel, Field


class OfficialOut(BaseModel):
    id: str = Field(description="Bioguide id (Congress) or ocd-person id (state officials).")
    name: str
    title: str
    party: str | None


class OfficeOut(BaseModel):
    kind: str = Field(
        description="us_house, us_senate, state_upper, state_lower, executive, custom"
    )
    key: str = Field(description="Stable office key, e.g. `us_house:CA-30`, `us_senate:CA:1`.")
    title: str
    district: str | None = Field(
        description="`CA-30` for districts, the state for statewide seats."
    )
    vacant: bool = Field(description="True when no official holds the seat now.")
    officials: list[OfficialOut]


class RepresentativesOut(BaseModel):
    matched_address: str | None = Field(
        description="The address as the geocoder matched it; null for a ZIP-only lookup."
    )
    state: str | None
    districts: dict[str, str] = Field(
        description='District per kind, e.g. {"us_house": "CA-30", "state_upper": "CA-25"}.'
    )
    unresolved: list[str] = Field(
        description="Office kinds that could not be determined from this input (a ZIP code "
        "alone says nothing about state legislative districts), or have no loaded office."
    )
    offices: list[OfficeOut]


class ErrorDetail(BaseModel):
    code: str = Field(
        description="invalid_address, invalid_zip, address_not_found, ambiguous_zip, "
        "no_district, upstream_unavailable, no_officials, outside_targets, campaign_not_found"
    )
    message: str
    candidates: list[str] | None = Field(
        default=None, description="For ambiguous_zip: the districts the ZIP code spans."
    )


class ErrorOut(BaseModel):
    error: ErrorDetail


EXAMPLE_ANSWER: dict[str, Any] = {
    "matched_address": "1021 O ST, SACRAMENTO, CA, 95814",
    "state": "CA",
    "districts": {"us_house": "CA-07", "state_upper": "CA-8", "state_lower": "CA-7"},
    "unresolved": [],
    "offices": [
        {
            "kind": "us_house",
            "key": "us_house:CA-07",
            "title": "U.S. Representative for CA-07",
            "district": "CA-07",
            "vacant": False,
            "officials": [
                {"id": "M001177", "name": "Doris Matsui", "title": "Representative", "party": "D"}
            ],
        },
        {
            "kind": "us_house",
            "key": "us_house:CA-14",
            "title": "U.S. Representative for CA-14",
            "district": "CA-14",
            "vacant": True,
            "officials": [],
        },
    ],
}


def _error_example(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"value": {"error": {"code": code, "message": message, **extra}}}


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {
        "model": ErrorOut,
        "description": "The input cannot be used: a malformed address or ZIP code, a ZIP code "
        "that spans districts (with the candidates), or an address outside the campaign's states.",
        "content": {
            "application/json": {
                "examples": {
                    "ambiguous_zip": _error_example(
                        "ambiguous_zip",
                        "ZIP code 90013 spans several districts (CA-34, CA-37); please enter "
                        "your street address.",
                        candidates=["CA-34", "CA-37"],
                    ),
                    "invalid_zip": _error_example(
                        "invalid_zip", "A ZIP code is five digits (optionally followed by -1234)."
                    ),
                }
            }
        },
    },
    404: {
        "model": ErrorOut,
        "description": "No address matched, the address lies in no district, no officials are "
        "loaded for its districts, or the campaign does not exist.",
        "content": {
            "application/json": {
                "examples": {
                    "address_not_found": _error_example(
                        "address_not_found", "No US address matches this one."
                    ),
                    "no_officials": _error_example(
                        "no_officials", "No officials are loaded for CA-30."
                    ),
                }
            }
        },
    },
    503: {
        "model": ErrorOut,
        "description": "The Census Geocoder did not answer after retries; try again later "
        "(`Retry-After` says when).",
        "content": {
            "application/json": {
                "example": {
                    "error": {
                        "code": "upstream_unavailable",
                        "message": "The US Census address service is not answering right now; "
                        "please try again in a minute.",
                    }
                }
            }
        },
    },
}
