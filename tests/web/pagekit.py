"""Reading supporter pages in HTTP-level tests: hidden fields, errors, and the flow's steps."""

import re
from html import unescape
from typing import Any

from fastapi.testclient import TestClient

from tests.web.conftest import ADDRESS, PERSON, SLUG

_INPUT = re.compile(r"<input\b[^>]*>", re.S)
_ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')


def hidden_fields(html: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for tag in _INPUT.findall(html):
        attrs = {k: unescape(v) for k, v in _ATTR.findall(tag)}
        if attrs.get("type") == "hidden" and "name" in attrs:
            fields[attrs["name"]] = attrs.get("value", "")
    return fields


def field_value(html: str, name: str) -> str | None:
    for tag in _INPUT.findall(html):
        attrs = {k: unescape(v) for k, v in _ATTR.findall(tag)}
        if attrs.get("name") == name:
            return attrs.get("value", "")
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    return unescape(match.group(1)) if match else None


def field_error(html: str, name: str) -> str | None:
    match = re.search(rf'<p class="field-error" id="f-{name}-error">(.*?)</p>', html, re.S)
    if not match:
        return None
    visible = re.sub(r'<span class="visually-hidden">.*?</span>', "", match.group(1))
    return unescape(re.sub(r"<[^>]+>", "", visible)).strip()


def form_data(**overrides: Any) -> dict[str, Any]:
    return {
        **PERSON,
        **ADDRESS,
        "personal_note": "My grandmother was born in Stepanakert.",
    } | overrides


def review(client: TestClient, query: str = "", **overrides: Any) -> Any:
    page = client.get(f"/c/{SLUG}{query}")
    data = hidden_fields(page.text) | form_data(**overrides)
    return client.post(f"/c/{SLUG}/review", data=data)


def send(client: TestClient, review_html: str, **overrides: Any) -> Any:
    data = hidden_fields(review_html)
    data["personal_note"] = field_value(review_html, "personal_note") or ""
    return client.post(f"/c/{SLUG}/send", data=data | overrides)
