"""Whatever is typed, the workspace answers with a page or a 4xx, never a 500."""

from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from tests.factories import make_campaign
from tests.organisers.accounts import Signed

TEMPLATE_BITS = st.sampled_from(
    ["{{", "}}", "{%", "%}", "{#", "#}", "if", "for", "endfor", "endif", "supporter.city",
     "official.salutation", "demands", "|upper", "|long_date", "pick(", ")", "'", "\n", " ",
     "x" * 40, "__class__", "range(999999)", "*", "~", "loop.index", "today"]
)  # fmt: skip
DRAFT = st.lists(st.one_of(TEMPLATE_BITS, st.text(max_size=8)), max_size=25).map("".join)
FIELDS = ["title", "slug", "goal", "resolution_code", "resolution_date", "resolution_url",
          "states", "executive", "custom_targets", "starts_on", "ends_on", "demand_label_0",
          "demand_text_0", "demand_position_0", "office_kinds"]  # fmt: skip


def test_any_draft_previews_or_reports_its_problems(
    web: TestClient, db: Session, as_role: dict[str, Signed]
) -> None:
    make_campaign(db, slug="fuzz")
    db.commit()
    viewer = as_role["viewer"]
    headers = viewer.headers | {"X-CSRF-Token": viewer.csrf}

    @settings(
        max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(subject=DRAFT, body=DRAFT)
    def check(subject: str, body: str) -> None:
        answer = web.post(
            "/api/admin/campaigns/fuzz/templates/us_house/preview",
            json={"subject": subject, "body": body},
            headers=headers,
        )
        assert answer.status_code == 200
        result = answer.json()
        assert result["problems"] or result["body"] is not None

    check()


def test_any_campaign_form_is_saved_or_shown_again_with_reasons(
    web: TestClient, db: Session, as_role: dict[str, Signed]
) -> None:
    editor = as_role["editor"]

    @settings(
        max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(values=st.dictionaries(st.sampled_from(FIELDS), st.text(max_size=30), max_size=10))
    def check(values: dict[str, Any]) -> None:
        answer = web.post(
            "/admin/campaigns/new", data=editor.form(**values), headers=editor.headers
        )
        assert answer.status_code in {303, 400}, answer.text
        if answer.status_code == 400:
            assert "Please correct the fields marked below." in answer.text

    check()


def test_huge_numbers_in_paths_and_forms_are_answered_not_crashed_on(
    web: TestClient, db: Session, as_role: dict[str, Signed]
) -> None:
    make_campaign(db, slug="huge")
    db.commit()
    admin = as_role["admin"]
    huge = "9" * 17
    answers = [
        web.post(
            f"/admin/organisers/{huge}", data=admin.form(role="viewer"), headers=admin.headers
        ),
        web.post(
            "/admin/campaigns/huge/deliveries/retry",
            data=admin.form(one=huge),
            headers=admin.headers,
        ),
        web.get(f"/admin/campaigns/huge/templates/us_house?version={huge}", headers=admin.headers),
        web.get(f"/admin/campaigns/huge/templates/us_house/diff?old={huge}", headers=admin.headers),
        web.get(f"/admin/audit?page={huge}", headers=admin.headers),
        web.post(
            "/admin/campaigns/huge/templates/us_house/rollback",
            data=admin.form(version="9" * 5000),
            headers=admin.headers,
        ),
        # str.isdigit() says yes to "²"; int() says no.
        web.post(
            "/admin/campaigns/new",
            data=admin.form(**{"demand_text_²": "x", "goal": "²", "title": "t"}),
            headers=admin.headers,
        ),
        web.post(
            "/admin/campaigns/huge/deliveries/cancel",
            data=admin.form(one="²"),
            headers=admin.headers,
        ),
    ]
    assert [a.status_code for a in answers] == [404, 400, 200, 404, 200, 404, 400, 400]


def test_nul_characters_never_reach_the_database(
    web: TestClient, db: Session, as_role: dict[str, Signed]
) -> None:
    make_campaign(db, slug="nul")
    db.commit()
    editor = as_role["editor"]
    headers = editor.headers | {"X-CSRF-Token": editor.csrf}
    created = web.post(
        "/admin/campaigns/new",
        data=editor.form(
            slug="nul-2", title="Ti\x00tle", resolution_code="SJR\x00 11",
            demand_label_0="A\x00", demand_text_0="B\x00", office_kinds="us_house",
        ),
        headers=editor.headers,
    )  # fmt: skip
    assert created.status_code == 303
    page = web.get("/admin/campaigns/nul-2", headers=editor.headers)
    assert 'value="Title"' in page.text
    answers = [
        web.post(
            "/api/admin/campaigns/nul/templates/us_house/preview",
            json={"subject": "a\x00", "body": "b\x00", "official_id": "x\x00",
                  "supporter_email": "a\x00@b"},
            headers=headers,
        ),
        web.post(
            "/admin/campaigns/nul/deliveries/find", data=editor.form(email="a\x00@b.org"),
            headers=editor.headers,
        ),
        web.post(
            "/admin/campaigns/nul/stances", data=editor.form(official_id="x\x00", action="exclude"),
            headers=editor.headers,
        ),
        web.get("/api/admin/officials?q=a%00b", headers=editor.headers),
        web.get("/admin/campaigns/nul?official_q=a%00b", headers=editor.headers),
    ]  # fmt: skip
    assert [a.status_code for a in answers] == [200, 200, 400, 200, 200]
    web.headers.clear()
    form = web.get("/admin/sign-in").text
    token = form.split('name="csrf_token" value="')[1].split('"')[0]
    signed_in = web.post(
        "/admin/sign-in", data={"csrf_token": token, "email": "x\x00@example.org", "password": "p"}
    )
    assert signed_in.status_code == 400


def test_a_malformed_form_body_is_refused_not_crashed_on(
    web: TestClient, as_role: dict[str, Signed]
) -> None:
    editor = as_role["editor"]
    for path in ("/admin/campaigns/new", "/admin/campaigns-import"):
        answer = web.post(
            path,
            content=b'--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nunterminated',
            headers=editor.headers
            | {"Content-Type": "multipart/form-data; boundary=x", "X-CSRF-Token": editor.csrf},
        )
        assert answer.status_code in {400, 403}, (path, answer.status_code)
