"""One supporter request's context: the campaign, the interface language, embed mode, and the
pages every step may answer with (not found, rate limited, already written)."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from sqlmodel import Session
from starlette.responses import Response

from app.campaigns.models import Campaign
from app.config import Settings
from app.web import campaign_view as view
from app.web import i18n, pages


@dataclass
class PageContext:
    request: Request
    session: Session
    settings: Settings
    campaign: Campaign | None
    locale: str
    embed: bool

    @classmethod
    def build(
        cls, request: Request, session: Session, slug: str, data: Mapping[str, Any] | None = None
    ) -> "PageContext":
        data = data or {}
        campaign = view.campaign_by_slug(session, slug) if len(slug) <= 80 else None
        if campaign is not None and campaign.status == "draft":
            campaign = None  # drafts are not public
        embed = "1" in (request.query_params.get("embed"), data.get("embed"))
        lang = data.get("lang")
        return cls(
            request=request,
            session=session,
            settings=request.app.state.settings,
            campaign=campaign,
            locale=i18n.choose_locale(request, lang if isinstance(lang, str) else None),
            embed=embed,
        )

    def gettext(self, message: str) -> str:
        return i18n.translations(self.locale).gettext(message)

    @property
    def organization(self) -> str:
        return (
            str((self.campaign.settings or {}).get("organization_name") or "")
            if self.campaign
            else ""
        )

    def office_kinds(self) -> dict[str, str]:
        return {kind: self.gettext(label) for kind, label in view.OFFICE_KINDS.items()}

    def flow_query(self, **extra: str) -> str:
        """Query string that keeps embed mode and the language across the steps."""
        params = {"embed": "1"} if self.embed else {}
        params |= {"lang": self.locale} | extra
        return "?" + urlencode(params)

    def base_context(self, *, lang_path: str | None) -> dict[str, Any]:
        lang_links = []
        if lang_path:
            keep = {k: v for k, v in self.request.query_params.items() if k != "lang"}
            for code in i18n.LOCALES:
                query = urlencode(keep | {"lang": code})
                lang_links.append((code, i18n.LANGUAGE_NAMES[code], f"{lang_path}?{query}"))
        return {
            "campaign": self.campaign,
            "organization": self.organization,
            "lang_links": lang_links,
            "query_suffix": self.flow_query() if self.embed else "",
            "private": False,
        }

    def render(
        self,
        name: str,
        context: dict[str, Any],
        *,
        status_code: int = 200,
        private: bool = False,
        headers: dict[str, str] | None = None,
    ) -> Response:
        return pages.render(
            name,
            context,
            settings=self.settings,
            locale=self.locale,
            embed=self.embed,
            status_code=status_code,
            private=private,
            headers=headers,
        )

    def message(
        self,
        heading: str,
        paragraphs: list[str],
        *,
        status_code: int,
        private: bool = False,
        headers: dict[str, str] | None = None,
        back: bool = True,
    ) -> Response:
        context = self.base_context(lang_path=None) | {
            "page_title": heading,
            "heading": heading,
            "paragraphs": paragraphs,
            "back_url": f"/c/{self.campaign.slug}" + self.flow_query()
            if self.campaign and back
            else None,
            "back_label": self.gettext("Back to the campaign"),
        }
        return self.render(
            "message.html", context, status_code=status_code, private=private, headers=headers
        )

    def not_found(self, *, private: bool = False) -> Response:
        return self.message(
            self.gettext("Page not found"),
            [self.gettext("This campaign or page does not exist, or is no longer public.")],
            status_code=404,
            private=private,
            back=False,
        )

    def received(self) -> Response:
        # The honeypot was filled in: answer like a success so a bot learns nothing.
        return self.message(
            self.gettext("Thank you"),
            [self.gettext("We have received your message.")],
            status_code=200,
            private=True,
        )

    def already_written(self) -> Response:
        return self.message(
            self.gettext("You have already written to these offices"),
            [
                self.gettext(
                    "Letters from this e-mail address have already been sent in this campaign. "
                    "Each person writes once to each office, so nothing new was sent."
                ),
                self.gettext(
                    "If you did not write before, or want to change your letters, please "
                    "contact the campaign's organisers."
                ),
            ],
            status_code=200,
            private=True,
        )

    def rate_limited(self, retry_after: int) -> Response:
        minutes = max(1, -(-retry_after // 60))
        return self.message(
            self.gettext("Too many letters at once"),
            [
                self.gettext(
                    "We received many letters from your connection or your e-mail address in a "
                    "short time, so we are pausing to keep the campaign safe from abuse."
                ),
                i18n.translations(self.locale).ngettext(
                    "Please try again in %(num)d minute.",
                    "Please try again in %(num)d minutes.",
                    minutes,
                )
                % {"num": minutes},
            ],
            status_code=429,
            private=True,
            headers={"Retry-After": str(retry_after)},
        )
