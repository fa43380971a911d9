"""District lookup against a real local server speaking the Census Geocoder's JSON."""

import asyncio

import httpx
import pytest

from app.config import Settings
from app.representatives.lookup import (
    CensusGeocoder,
    DistrictResult,
    RepresentativeLookupError,
    parse_census_response,
)

ADDRESS = "100 Example St, Los Angeles, CA 90001"


def _geocode(settings: Settings, address: str) -> tuple[DistrictResult, CensusGeocoder]:
    async def run() -> tuple[DistrictResult, CensusGeocoder]:
        async with httpx.AsyncClient() as client:
            provider = CensusGeocoder(client, settings)
            return await provider.districts_for(address), provider

    return asyncio.run(run())


def _failure(settings: Settings, address: str) -> RepresentativeLookupError:
    with pytest.raises(RepresentativeLookupError) as caught:
        _geocode(settings, address)
    return caught.value


def test_a_matched_address_gives_its_three_districts_and_the_matched_address(
    census_settings: Settings, census_stub: tuple[str, list[dict[str, str]]]
) -> None:
    result, _ = _geocode(census_settings, ADDRESS)
    assert result.matched_address == "100 EXAMPLE ST, LOS ANGELES, CA, 90001"
    assert result.state == "CA"
    assert result.districts == {
        "us_house": "CA-30",
        "state_upper": "CA-25",
        "state_lower": "CA-44",
    }
    request = census_stub[1][-1]
    assert request["layers"] == "all"
    assert request["benchmark"] == "Public_AR_Current"
    assert request["vintage"] == "Current_Current"
    assert request["address"] == ADDRESS


def test_other_vintages_layer_names_are_matched_by_their_stable_part(
    census_settings: Settings,
) -> None:
    result, _ = _geocode(census_settings, "100 Example St oldvintage, CA")
    assert result.districts["us_house"] == "CA-30"
    assert result.districts["state_lower"] == "CA-44"


def test_a_delegate_district_98_is_the_00_seat_and_has_no_state_legislature(
    census_settings: Settings,
) -> None:
    result, _ = _geocode(census_settings, "1 Delegate Way NW, Washington, DC")
    assert result.state == "DC"
    assert result.districts == {"us_house": "DC-00"}
    assert result.unresolved == ("state_upper", "state_lower")


def test_no_match_is_address_not_found(census_settings: Settings) -> None:
    assert _failure(census_settings, "1 Nomatch Rd, Nowhere, CA").code == "address_not_found"


def test_a_zz_district_is_an_error_not_a_district(census_settings: Settings) -> None:
    error = _failure(census_settings, "1 Zzdistrict Rd, Bay, CA")
    assert error.code == "no_district"


def test_layers_that_come_back_with_errors_are_retried_then_reported(
    census_settings: Settings, census_stub: tuple[str, list[dict[str, str]]]
) -> None:
    before = len(census_stub[1])
    error = _failure(census_settings, "1 Layererror Rd, Washington, DC")
    assert error.code == "upstream_unavailable"
    assert "try again" in error.message
    assert len(census_stub[1]) - before == 3  # one try and two retries


def test_http_500_is_retried_with_backoff_then_reported_as_try_again(
    census_settings: Settings, census_stub: tuple[str, list[dict[str, str]]]
) -> None:
    before = len(census_stub[1])

    async def run() -> CensusGeocoder:
        async with httpx.AsyncClient() as client:
            provider = CensusGeocoder(client, census_settings)
            with pytest.raises(RepresentativeLookupError) as caught:
                await provider.districts_for("1 Boom St, CA")
            assert caught.value.code == "upstream_unavailable"
            return provider

    provider = asyncio.run(run())
    assert len(census_stub[1]) - before == 3
    assert provider.waits == [0.01, 0.02]


def test_a_transient_failure_then_an_answer_succeeds(census_settings: Settings) -> None:
    result, provider = _geocode(census_settings, "1 Flaky St, Los Angeles, CA")
    assert result.districts["us_house"] == "CA-30"
    assert len(provider.waits) == 1


def test_a_timeout_is_reported_as_upstream_unavailable(census_settings: Settings) -> None:
    settings = census_settings.model_copy(update={"lookup_timeout_s": 0.1, "lookup_retries": 1})
    assert _failure(settings, "1 Slow St, CA").code == "upstream_unavailable"


def test_an_unreachable_service_is_reported_as_upstream_unavailable() -> None:
    settings = Settings(
        census_geocoder_url="http://127.0.0.1:9", lookup_retries=1, lookup_backoff_s=0.01
    )
    assert _failure(settings, ADDRESS).code == "upstream_unavailable"


def test_without_layers_all_the_real_service_sends_no_districts_and_that_is_an_error(
    census_stub: tuple[str, list[dict[str, str]]],
) -> None:
    # As the service answers a request that forgot layers=all: default layers only.
    body = httpx.get(
        f"{census_stub[0]}/geographies/onelineaddress",
        params={"address": ADDRESS, "benchmark": "Public_AR_Current", "format": "json"},
    ).json()
    assert not any(
        "Congressional" in name for name in body["result"]["addressMatches"][0]["geographies"]
    )
    with pytest.raises(RepresentativeLookupError) as caught:
        parse_census_response(body)
    assert caught.value.code == "no_district"


def test_matches_in_different_districts_are_not_guessed_between() -> None:
    def match(address: str, cd: str) -> dict[str, object]:
        return {
            "matchedAddress": address,
            "geographies": {
                "119th Congressional Districts": [{"STATE": "06", "CD119": cd, "GEOID": f"06{cd}"}]
            },
        }

    body = {"result": {"addressMatches": [match("1 A ST", "30"), match("1 A AVE", "32")]}}
    with pytest.raises(RepresentativeLookupError) as caught:
        parse_census_response(body)
    assert caught.value.candidates == ["1 A ST", "1 A AVE"]


def test_an_address_the_service_refuses_to_read_is_invalid_address(
    census_settings: Settings,
) -> None:
    error = _failure(census_settings, "")
    assert error.code == "invalid_address"
    assert "cannot be empty" in error.message
