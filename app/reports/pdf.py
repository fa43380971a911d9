"""Per-office packets for hand delivery: a cover page, then each constituent letter on its own page.

The font is Noto Sans, with Noto Sans Armenian as fallback for names like Պետրոսյան, both loaded
from the ``manimgx-fonts`` wheel (a PyPI dependency, OFL-licensed), so a packet prints the same on
every machine without system fonts. fpdf2 embeds only the glyphs used.
"""

import re
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

from fpdf import FPDF
from fpdf.enums import TextMode
from sqlalchemy import func, or_, select
from sqlmodel import Session

from app.campaigns.models import Campaign
from app.delivery.models import Delivery
from app.letters.models import Letter
from app.reports.service import ReportError
from app.representatives.models import Office

FONT_PACKAGE = "manimgx_fonts"
TEXT_FONT = "NotoSans[wght].ttf"
ARMENIAN_FONT = "NotoSansArmenian[wght].ttf"
READ_CHUNK = 256 * 1024


@dataclass(frozen=True)
class Cover:
    campaign: Campaign
    office_key: str
    office_title: str
    official_name: str
    letters: int
    first: datetime | None
    last: datetime | None
    cities: list[tuple[str, int]]


class Packet(FPDF):
    def __init__(self, campaign_title: str) -> None:
        super().__init__(format="Letter")
        self.campaign_title = campaign_title
        fonts = resources.files(FONT_PACKAGE)
        # The wheel ships variable fonts. Instancing a bold from one costs seconds per packet,
        # so they are embedded as they are (viewers draw the default, regular, outlines) and
        # headings are emboldened by stroking the glyph outlines.
        for family, name in (("NotoSans", TEXT_FONT), ("NotoSansArmenian", ARMENIAN_FONT)):
            with resources.as_file(fonts / name) as path:
                self.add_font(family, "", path)
        self.set_fallback_fonts(["NotoSansArmenian"], exact_match=False)
        self.set_auto_page_break(auto=True, margin=20)
        self.set_margins(22, 20, 22)
        self.set_creator("Lettercast")

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("NotoSans", "", 8)
        self.set_text_color(110)
        self.cell(0, 6, f"{self.campaign_title} · page {self.page_no()}", align="C")
        self.set_text_color(0)


def office_packet(session: Session, campaign: Campaign, office_key: str) -> bytes:
    """The packet for one office: every letter its constituents wrote, except cancelled ones."""
    cover = _cover(session, campaign, office_key)
    if cover.letters == 0:
        raise ReportError(404, f"No letters to {office_key} in this campaign.", field="office_key")
    pdf = Packet(campaign.title)
    pdf.set_title(f"{campaign.title} — {cover.office_title or office_key}")
    _write_cover(pdf, cover)
    for letter in _letters(session, campaign, office_key):
        _write_letter(pdf, letter)
    return bytes(pdf.output())


def all_packets_zip(session: Session, campaign: Campaign) -> Iterator[bytes]:
    """One packet per office with letters, in a ZIP built on disk and then streamed."""
    keys = session.connection().execute(
        select(Letter.office_key)
        .where(Letter.campaign_id == campaign.id)
        .group_by(Letter.office_key)
        .order_by(Letter.office_key)
    )
    with tempfile.TemporaryFile() as handle:
        with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for (key,) in keys.all():
                try:
                    archive.writestr(packet_filename(key), office_packet(session, campaign, key))
                except ReportError:
                    continue  # every letter to that office was cancelled
        handle.seek(0)
        while chunk := handle.read(READ_CHUNK):
            yield chunk


def packet_filename(office_key: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", office_key) + ".pdf"


def _not_cancelled() -> Any:
    return or_(Delivery.id.is_(None), Delivery.status != "cancelled")


def _cover(session: Session, campaign: Campaign, office_key: str) -> Cover:
    where = (Letter.campaign_id == campaign.id, Letter.office_key == office_key, _not_cancelled())
    joined = select().select_from(Letter).outerjoin(Delivery, Delivery.letter_id == Letter.id)
    connection = session.connection()
    count, first, last = connection.execute(
        joined.add_columns(
            func.count(Letter.id), func.min(Letter.created_at), func.max(Letter.created_at)
        ).where(*where)
    ).one()
    cities = connection.execute(
        joined.add_columns(Letter.city, Letter.state, func.count(Letter.id))
        .where(*where)
        .group_by(Letter.city, Letter.state)
        .order_by(func.count(Letter.id).desc(), Letter.city)
    ).all()
    office = session.execute(select(Office).where(Office.key == office_key)).scalars().first()
    official = connection.execute(
        select(Letter.official_name).where(*where[:2]).order_by(Letter.id.desc()).limit(1)
    ).scalar()
    return Cover(
        campaign=campaign,
        office_key=office_key,
        office_title=office.title if office else "",
        official_name=official or "",
        letters=count,
        first=_aware(first),
        last=_aware(last),
        cities=[
            (f"{city}, {state}" if state else city or "(unknown)", n) for city, state, n in cities
        ],
    )


def _aware(value: Any) -> datetime | None:
    # Aggregates bypass the column type, so SQLite hands back text and PostgreSQL a datetime.
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _letters(session: Session, campaign: Campaign, office_key: str) -> Iterator[Letter]:
    statement = (
        select(Letter)
        .outerjoin(Delivery, Delivery.letter_id == Letter.id)
        .where(Letter.campaign_id == campaign.id, Letter.office_key == office_key, _not_cancelled())
        .order_by(Letter.created_at, Letter.id)
        .execution_options(yield_per=500)
    )
    for (letter,) in session.execute(statement):
        yield letter


def _heading(pdf: Packet, text: str, size: int) -> None:
    pdf.set_font("NotoSans", "", size)
    # In a local context (q … Q), so the stroke mode ends with the heading.
    with pdf.local_context(text_mode=TextMode.FILL_STROKE, line_width=size * 0.02):
        pdf.multi_cell(0, size * 0.55, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _paragraph(pdf: Packet, text: str, size: int = 11) -> None:
    pdf.set_font("NotoSans", "", size)
    pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5)


def _write_cover(pdf: Packet, cover: Cover) -> None:
    campaign = cover.campaign
    resolution = campaign.resolution or {}
    pdf.add_page()
    _heading(pdf, campaign.title, 20)
    recipient = ", ".join(p for p in (cover.official_name, cover.office_title) if p)
    _paragraph(pdf, f"For {recipient or cover.office_key}", 13)
    pdf.ln(3)
    code_title = " — ".join(str(p) for p in (resolution.get("code"), resolution.get("title")) if p)
    if code_title:
        _heading(pdf, code_title, 14)
    details = [
        f"Session: {resolution['session']}" if resolution.get("session") else "",
        f"Authors: {', '.join(resolution['authors'])}" if resolution.get("authors") else "",
        f"Date: {resolution['date']}" if resolution.get("date") else "",
        str(resolution.get("url") or ""),
    ]
    for line in filter(None, details):
        _paragraph(pdf, line, 10)
    if resolution.get("summary"):
        _paragraph(pdf, str(resolution["summary"]), 10)
    if campaign.demands:
        _heading(pdf, "What the resolution asks", 13)
        for number, demand in enumerate(campaign.demands, start=1):
            label = demand.get("label")
            text = demand.get("text", "")
            _paragraph(pdf, f"{number}. {label}: {text}" if label else f"{number}. {text}", 10)
    pdf.ln(2)
    _heading(pdf, f"{cover.letters:,} constituent letters", 14)
    if cover.first and cover.last:
        _paragraph(pdf, f"Written between {cover.first:%d %B %Y} and {cover.last:%d %B %Y}.")
    _heading(pdf, "Letters by city", 12)
    pdf.set_font("NotoSans", "", 10)
    for city, n in cover.cities:
        pdf.cell(120, 6, city)
        pdf.cell(0, 6, f"{n:,}", align="R", new_x="LMARGIN", new_y="NEXT")


def _write_letter(pdf: Packet, letter: Letter) -> None:
    pdf.add_page()
    pdf.set_font("NotoSans", "", 10)
    pdf.cell(0, 6, f"{letter.created_at:%d %B %Y}", new_x="LMARGIN", new_y="NEXT")
    if letter.official_name:
        pdf.cell(0, 6, f"To: {letter.official_name}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    _heading(pdf, letter.subject, 12)
    _paragraph(pdf, letter.body, 11)
