"""PDF packets read back with a real PDF text extractor (pypdf), Armenian included."""

import io
import zipfile

import pytest
from pypdf import PdfReader
from sqlmodel import Session

from app.reports import pdf
from app.reports.service import ReportError
from tests.reports.conftest import ARMENIAN_NAME, World


def pages_of(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_packet_has_a_cover_page_then_one_page_per_letter(session: Session, world: World) -> None:
    pages = pages_of(pdf.office_packet(session, world.campaign, "us_house:CA-30"))
    # Three letters to CA-30, one cancelled: the cover and two letters.
    assert len(pages) == 3
    cover = pages[0]
    assert "Free the Armenian hostages" in cover
    assert "Laura Friedman" in cover and "U.S. Rep. CA-30" in cover
    assert "SJR 11" in cover and "Armenian prisoners held by Azerbaijan" in cover
    assert "1. Release: Release every Armenian prisoner." in cover
    assert "2. Sanctions" in cover
    assert "2 constituent letters" in cover
    assert "03 February 2024 and 04 February 2024" in cover
    assert "Glendale, CA" in cover and "Burbank, CA" in cover
    assert ARMENIAN_NAME in pages[1]
    assert "please act" in pages[1] and "To: Laura Friedman" in pages[1]
    assert '=HYPERLINK("http://x")' in pages[2]
    assert "Hakobyan" not in "".join(pages)  # the cancelled letter stays out


def test_packet_embeds_a_font_with_armenian_glyphs(session: Session, world: World) -> None:
    reader = PdfReader(io.BytesIO(pdf.office_packet(session, world.campaign, "us_senate:CA:1")))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert "/FontFile2" in descriptor  # embedded, not a reference to a system font
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("NotoSansArmenian" in name for name in fonts)
    assert ARMENIAN_NAME in pages_of(reader.stream.getvalue())[1]  # type: ignore[attr-defined]


def test_an_office_without_letters_is_a_404_not_an_empty_packet(
    session: Session, world: World
) -> None:
    with pytest.raises(ReportError) as raised:
        pdf.office_packet(session, world.campaign, "us_house:CA-99")
    assert raised.value.status_code == 404


def test_all_offices_come_as_a_zip_of_packets(session: Session, world: World) -> None:
    data = b"".join(pdf.all_packets_zip(session, world.campaign))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = sorted(archive.namelist())
        assert names == ["state_lower_CA-44.pdf", "us_house_CA-30.pdf", "us_senate_CA_1.pdf"]
        senate = pages_of(archive.read("us_senate_CA_1.pdf"))
    assert len(senate) == 1 + 2
    assert "2 constituent letters" in senate[0]
    assert "Reno, NV" in senate[0]
