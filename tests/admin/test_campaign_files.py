"""Export a campaign to its files (zip) and import one back."""

import io
import zipfile

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.campaigns.models import Campaign, TemplateVersion
from app.config import PROJECT_ROOT
from app.letters.loader import load_campaign_directory
from tests.organisers.accounts import Signed

SJR_11 = PROJECT_ROOT / "letter_templates" / "sjr-11"


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_an_exported_campaign_imports_back_unchanged_and_edits_become_new_versions(
    web: TestClient, db: Session, as_role: dict[str, Signed]
) -> None:
    load_campaign_directory(db, SJR_11)
    db.commit()
    editor = as_role["editor"]
    exported = web.get("/admin/campaigns/sjr-11/export.zip", headers=as_role["viewer"].headers)
    assert exported.status_code == 200
    assert exported.headers["content-type"] == "application/zip"
    files = {
        info.filename: zipfile.ZipFile(io.BytesIO(exported.content)).read(info).decode()
        for info in zipfile.ZipFile(io.BytesIO(exported.content)).infolist()
    }
    assert "sjr-11/campaign.yaml" in files and "sjr-11/us_house.body.txt" in files
    assert files["sjr-11/us_house.body.txt"] == (SJR_11 / "us_house.body.txt").read_text()
    files["sjr-11/us_house.body.txt"] += "\nP.S. Thank you for reading.\n"
    answer = web.post(
        "/admin/campaigns-import",
        data={"csrf_token": editor.csrf},
        files={"archive": ("sjr-11.zip", _zip(files), "application/zip")},
        headers=editor.headers,
    )
    assert answer.status_code == 303, answer.text
    versions = db.exec(
        select(TemplateVersion.name, TemplateVersion.version, TemplateVersion.author)
    ).all()
    assert ("us_house", 2, editor.organiser.email) in versions
    assert not any(name != "us_house" and version > 1 for name, version, _ in versions)


def test_an_import_with_a_broken_template_saves_nothing_and_names_the_file_and_line(
    web: TestClient, db: Session, as_role: dict[str, Signed]
) -> None:
    editor = as_role["editor"]
    files = {f"sjr-11/{path.name}": path.read_text() for path in SJR_11.iterdir() if path.is_file()}
    files["sjr-11/us_house.body.txt"] = "Dear {{ official.name }},\n{% for x in demands %}\n"
    answer = web.post(
        "/admin/campaigns-import",
        data={"csrf_token": editor.csrf},
        files={"archive": ("sjr-11.zip", _zip(files), "application/zip")},
        headers=editor.headers,
    )
    assert answer.status_code == 400
    assert "us_house.body.txt, line" in answer.text
    assert db.exec(select(Campaign)).all() == []


def test_a_file_that_is_not_a_zip_is_refused_politely(
    web: TestClient, as_role: dict[str, Signed]
) -> None:
    editor = as_role["editor"]
    answer = web.post(
        "/admin/campaigns-import",
        data={"csrf_token": editor.csrf},
        files={"archive": ("notes.zip", b"hello", "application/zip")},
        headers=editor.headers,
    )
    assert answer.status_code == 400 and "not a zip archive" in answer.text
    traversal = _zip({"../../evil/campaign.yaml": "x"})
    answer = web.post(
        "/admin/campaigns-import",
        data={"csrf_token": editor.csrf},
        files={"archive": ("evil.zip", traversal, "application/zip")},
        headers=editor.headers,
    )
    assert answer.status_code == 400 and "Unexpected path" in answer.text


def test_binary_or_empty_campaign_files_are_refused_politely(
    web: TestClient, as_role: dict[str, Signed]
) -> None:
    editor = as_role["editor"]
    binary = io.BytesIO()
    with zipfile.ZipFile(binary, "w") as archive:
        archive.writestr("x/campaign.yaml", b"\xff\xfe\x00binary")
    for data in (binary.getvalue(), _zip({"x/campaign.yaml": ""})):
        answer = web.post(
            "/admin/campaigns-import",
            data={"csrf_token": editor.csrf},
            files={"archive": ("x.zip", data, "application/zip")},
            headers=editor.headers,
        )
        assert answer.status_code == 400, answer.text
        assert 'id="import-problems"' in answer.text
