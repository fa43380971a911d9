"""Checking templates when they are saved, and rendering the shipped SJR 11 letters."""

import subprocess
import sys
from datetime import date

import pytest

from app.campaigns.models import Campaign
from app.letters.context import SAMPLE_SUPPORTER, letter_context, sample_seat
from app.letters.loader import CampaignDirectory
from app.letters.render import LetterTemplateError, check_template_source, render_template_source


@pytest.mark.parametrize(
    ("source", "line", "problem"),
    [
        ("Dear {{ official.name }},\n\n{% if personal_note %}\nno end", 4, "Unexpected end"),
        ("Hello\n{{ supporter.first_name }}\n{{ offical.name }}", 3, "unknown variable 'offical'"),
        ("Hello\n\n{{ official.nmae }}", 3, "official has no field 'nmae'"),
        ("{% for d in demands %}\n{{ d.lable }}\n{% endfor %}", 2, "demand has no field 'lable'"),
        ("a\nb\n{{ supporter.city|shout }}", 3, "No filter named 'shout'"),
        ("x\n{{ supporter.city }}{{ 1 / 0 }}", 2, "division by zero"),
    ],
)
def test_a_broken_template_is_refused_naming_template_line_and_problem(
    source: str, line: int, problem: str
) -> None:
    with pytest.raises(LetterTemplateError) as refused:
        check_template_source(source, name="us_house.body.txt")
    assert refused.value.template_name == "us_house.body.txt"
    assert refused.value.line == line
    assert problem in refused.value.message
    assert str(refused.value).startswith(f"us_house.body.txt:{line}: ")


def test_every_documented_context_name_and_field_can_be_used() -> None:
    source = (
        "{{ supporter.prefix }}{{ supporter.full_name }}{{ supporter.email }}"
        "{{ supporter.street2 }}"
        "{{ supporter.zip }}{{ official.salutation }}{{ official.party }}{{ official.district }}"
        "{{ official.office_kind }}{{ official.office_title }}{{ campaign.slug }}"
        "{{ campaign.organization_statement }}{{ resolution.code }}{{ resolution.findings }}"
        "{{ demands[0].label }}{{ personal_note }}{{ today.year }}{{ today|long_date }}"
    )
    check_template_source(source, name="all.body.txt")


def _letter(sjr11: CampaignDirectory, campaign: Campaign, kind: str, email: str) -> str:
    office, official = sample_seat(kind)
    supporter = SAMPLE_SUPPORTER.__class__(**{**SAMPLE_SUPPORTER.__dict__, "email": email})
    context = letter_context(campaign, office, official, supporter, date(2026, 11, 28))
    seed = f"{email}\n{office.key}"
    subject, body = sjr11.templates[kind]
    return render_template_source(
        subject, context, name=f"{kind}.subject.txt", variant_seed=seed
    ) + render_template_source(body, context, name=f"{kind}.body.txt", variant_seed=seed)


@pytest.mark.parametrize(
    ("kind", "salutation", "ask"),
    [
        ("us_house", "Dear Representative Example,", "this Congress"),
        ("us_senate", "Dear Senator Example,", "in the Senate"),
        ("state_upper", "Dear Senator Example,", "current session"),
        ("state_lower", "Dear Assemblymember Example,", "current session"),
        ("executive", "Dear Mr. President,", "administration"),
    ],
)
def test_sjr11_letters_name_the_resolution_state_its_demands_and_close_properly(
    sjr11: CampaignDirectory, sjr11_campaign: Campaign, kind: str, salutation: str, ask: str
) -> None:
    letter = _letter(sjr11, sjr11_campaign, kind, "anahit@example.org")
    assert "SJR 11" in letter and "Armenian hostages" in letter
    assert salutation in letter
    assert ask in letter
    for demand in sjr11_campaign.demands:
        assert demand["text"] in letter
    assert "Glendale" in letter
    assert "we follow the fate of the prisoners closely" in letter
    assert "February 13, 2024" in letter
    assert "billNavClient.xhtml?bill_id=202320240SJR11" in letter
    assert letter.rstrip().endswith("Anahit Sample\n100 N Brand Blvd, Apt 4\nGlendale, CA 91203")


def test_variants_differ_between_supporters_and_offices_but_a_replay_is_identical(
    sjr11: CampaignDirectory, sjr11_campaign: Campaign
) -> None:
    letters = {_letter(sjr11, sjr11_campaign, "us_house", f"s{n}@example.org") for n in range(40)}
    assert len(letters) >= 10
    again = _letter(sjr11, sjr11_campaign, "us_house", "s1@example.org")
    assert again == _letter(sjr11, sjr11_campaign, "us_house", "s1@example.org")


def test_a_variant_choice_is_the_same_in_another_process() -> None:
    source = "{{ pick('a','b','c','d','e','f','g','h') }}{{ pick(range(100)|list) }}"
    code = (
        "from app.letters.render import render_template_source as r;"
        f"print(r({source!r}, {{}}, name='t', variant_seed='p@example.org\\nus_house:CA-30'))"
    )
    here = render_template_source(
        source, {}, name="t", variant_seed="p@example.org\nus_house:CA-30"
    )
    there = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert here == there
