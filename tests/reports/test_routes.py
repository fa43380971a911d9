"""The dashboard page and the downloads over HTTP, signed in as organisers of each role."""

import csv
import io
import json
import zipfile

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlmodel import Session, select

from app.organisers.models import AuditEvent
from tests.organisers.accounts import Signed
from tests.reports.conftest import ARMENIAN_NAME, World


def api(world: World, path: str) -> str:
    return f"/api/admin/campaigns/{world.campaign.slug}/reports/{path}"


def test_signed_out_requests_get_401_and_the_page_redirects_to_sign_in(
    web: TestClient, committed_world: World
) -> None:
    assert web.get(api(committed_world, "deliveries.csv")).status_code == 401
    page = web.get(f"/admin/campaigns/{committed_world.campaign.slug}/reports")
    assert page.status_code == 303
    assert page.headers["location"].startswith("/admin/sign-in")


def test_viewer_sees_the_dashboard_with_inline_svg_and_no_external_assets(
    web: TestClient, committed_world: World, as_role: dict[str, Signed]
) -> None:
    page = web.get(
        f"/admin/campaigns/{committed_world.campaign.slug}/reports",
        headers=as_role["viewer"].headers,
    )
    assert page.status_code == 200
    html = page.text
    assert 'name="viewport"' in html
    assert html.count("<svg") == 8
    assert "Letters per day" in html and "Glendale, CA" in html
    assert "<script" not in html and "https://" not in html
    assert "include_personal" not in html  # viewers are not offered personal data
    assert "packets.zip" not in html


def test_viewer_downloads_csv_without_personal_data(
    web: TestClient, committed_world: World, as_role: dict[str, Signed]
) -> None:
    response = web.get(
        api(committed_world, "deliveries.csv"),
        params={"status": ["sent", "held"], "office_kind": ""},
        headers=as_role["viewer"].headers,
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert sorted(r["status"] for r in rows) == ["held", "sent", "sent"]
    assert "supporter_last_name" not in rows[0] and ARMENIAN_NAME not in response.text


def test_viewer_asking_for_personal_data_is_refused(
    web: TestClient, committed_world: World, as_role: dict[str, Signed]
) -> None:
    response = web.get(
        api(committed_world, "deliveries.xlsx"),
        params={"include_personal": "true"},
        headers=as_role["viewer"].headers,
    )
    assert response.status_code == 403
    assert "editors and admins" in response.json()["detail"]
    for path in ("packets.zip", "packets/us_house:CA-30.pdf", "osdi.json", "consent.csv"):
        assert (
            web.get(api(committed_world, path), headers=as_role["viewer"].headers).status_code
            == 403
        )


def test_editor_gets_personal_data_when_asking_and_it_is_audited(
    web: TestClient, committed_world: World, as_role: dict[str, Signed], db: Session
) -> None:
    editor = as_role["editor"]
    plain = web.get(api(committed_world, "deliveries.ndjson"), headers=editor.headers)
    assert "supporter_email" not in plain.text
    response = web.get(
        api(committed_world, "deliveries.ndjson"),
        params={"include_personal": "true"},
        headers=editor.headers,
    )
    assert response.status_code == 200
    records = [json.loads(line) for line in response.text.splitlines()]
    assert records[0]["supporter_last_name"] == ARMENIAN_NAME
    events = db.exec(select(AuditEvent).where(AuditEvent.action == "reports.export_personal"))
    assert [e.organiser_email for e in events] == [editor.organiser.email]


def test_bad_filters_are_a_422_naming_the_field(
    web: TestClient, committed_world: World, as_role: dict[str, Signed]
) -> None:
    headers = as_role["viewer"].headers
    wrong_status = web.get(api(committed_world, "deliveries.csv?status=lost"), headers=headers)
    assert wrong_status.status_code == 422
    assert wrong_status.json()["detail"][0]["loc"] == ["query", "status"]
    backwards = web.get(
        api(committed_world, "deliveries.csv?date_from=2024-02-09&date_to=2024-02-01"),
        headers=headers,
    )
    assert backwards.status_code == 422
    assert backwards.json()["detail"][0]["loc"] == ["query", "date_to"]
    not_a_date = web.get(api(committed_world, "deliveries.csv?date_from=soon"), headers=headers)
    assert not_a_date.status_code == 422
    assert web.get(api(committed_world, "deliveries.pdf"), headers=headers).status_code == 422
    missing = web.get("/api/admin/campaigns/nope/reports/deliveries.csv", headers=headers)
    assert missing.status_code == 404


def test_editor_downloads_packets_osdi_and_consent_list(
    web: TestClient, committed_world: World, as_role: dict[str, Signed]
) -> None:
    headers = as_role["editor"].headers
    packet = web.get(api(committed_world, "packets/us_house:CA-30.pdf"), headers=headers)
    assert packet.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(packet.content)).pages)
    assert ARMENIAN_NAME in text
    assert (
        web.get(api(committed_world, "packets/custom:none.pdf"), headers=headers).status_code == 404
    )
    archive = zipfile.ZipFile(
        io.BytesIO(web.get(api(committed_world, "packets.zip"), headers=headers).content)
    )
    assert len(archive.namelist()) == 3
    document = web.get(api(committed_world, "osdi.json"), headers=headers).json()
    assert document["total_outreaches"] == committed_world.letters
    assert document["browser_url"].endswith(f"/c/{committed_world.campaign.slug}")
    consent = web.get(api(committed_world, "consent.csv"), headers=headers).text
    assert "anahit@example.org" in consent and "gone@example.org" not in consent


def test_openapi_documents_the_download_routes(web: TestClient) -> None:
    paths = web.get("/openapi.json").json()["paths"]
    route = paths["/api/admin/campaigns/{slug}/reports/deliveries.{fmt}"]["get"]
    names = {p["name"] for p in route["parameters"]}
    assert {"state", "status", "office_kind", "office", "district", "source"} <= names
    assert {"date_from", "date_to", "include_personal"} <= names
