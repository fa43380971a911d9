"""Runaway templates are stopped before they allocate; the published sandbox escapes are refused."""

import pytest

from app.letters.render import LetterTemplateError, check_template_source, render_template_source

NESTED = (
    "{% set L = range(1000)|list %}{% set B = L * 100 %}"
    "{% set M = [B, B, B, B, B, B, B, B, B, B] %}{% set N = [M, M, M, M, M, M, M, M, M, M] %}"
)


def render(source: str) -> str:
    return render_template_source(source, {"x": "text"}, name="t.body.txt")


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("{{ 'x' * 10**10 }}", "would be 10000000000 long"),
        ("{{ 10**10 * 'x' }}", "would be 10000000000 long"),
        ("{{ ['x'] * 10**9 }}", "would be 1000000000 long"),
        ("{{ 2 ** (10**9) }}", "power is too large"),
        ("{{ 7 ** 100000 }}", "power is too large"),
        ("{{ range(10**9)|list }}", "range() of 1000000000 items"),
        ("{% for i in range(10**6) %}{% endfor %}", "range() of 1000000 items"),
        (
            "{% for a in range(1000) %}{% for b in range(1000) %}{% endfor %}{% endfor %}",
            "more than 10000 loop steps",
        ),
        (
            "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}"
            "{{ f(40) }}",
            "more than 10000 loop steps or calls",
        ),
        ("{% set a = 'x' * 60000 %}{{ a ~ a }}", "a ~ concatenation would be 120000"),
        ("{% set a = 'x' * 60000 %}{{ a + a }}", "a concatenation would be 120000"),
        (
            "{% set ns = namespace(s='ab') %}{% for i in range(64) %}"
            "{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
            "concatenation would be",
        ),
        ("{% for i in range(999) %}{{ 'y' * 999 }}{% endfor %}", "rendered text would be"),
        (
            "{% set big %}{% for i in range(999) %}{{ 'y' * 999 }}{% endfor %}{% endset %}",
            "rendered text would be",
        ),
        ("{{ ('x' * 1000)|replace('x', 'y' * 1000) }}", "replaced text would be 1000000"),
        ("{{ 'x'|center(10**9) }}", "centred text would be 1000000000"),
        ("{{ ('a\n' * 9999)|indent(1000) }}", "indented text"),
        ("{{ ('x' * 90000)|join('y' * 90000) }}", "joined text"),
        ("{{ [1]|batch(10**9, 0)|list }}", "a batch would be 1000000000"),
        # Nested values: small to build (shared references), enormous once printed.
        (NESTED + "{{ N }}", "a printed value would be"),
        (NESTED + "{{ N ~ '' }}", "a ~ concatenation would be"),
        (NESTED + "{{ N|string }}", "a filter's input would be"),
        (NESTED + "{{ N|join(',') }}", "a joined text would be"),
        (NESTED + "{{ N|sum(start=[])|length }}", "a sum would be"),
        (NESTED + "{{ {'k': N}.items() }}", "a printed value would be"),
        (NESTED + "{% set ns = namespace(n=N) %}{{ ns }}", "a printed value would be"),
        ("{{ [1]|slice(10**9)|list }}", "slice() into 1000000000 parts"),
    ],
)
def test_runaway_templates_are_stopped_before_they_allocate(source: str, reason: str) -> None:
    with pytest.raises(LetterTemplateError) as refused:
        render(source)
    assert reason in refused.value.message
    assert refused.value.template_name == "t.body.txt"


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        # CVE-2016-10745 / CVE-2019-10906: str.format reaching attributes.
        ("{{ '{0.__class__.__mro__}'.format(x) }}", "attribute 'format' of 'str' object is unsafe"),
        ("{{ '{0.__class__}'.format_map({'0': x}) }}", "attribute 'format_map'"),
        # CVE-2024-56326: a stored reference to str.format called later.
        ("{% set f = '{0.__class__}'.format %}{{ f(x) }}", "attribute 'format' of 'str'"),
        ("{{ x.__class__.__mro__ }}", "attribute '__class__' of 'str' object is unsafe"),
        ("{{ x.ljust(10**9) }}", "attribute 'ljust' of 'str' object is unsafe"),
        ("{{ (1).to_bytes(10**9, 'big') }}", "attribute 'to_bytes' of 'int' object is unsafe"),
        ("{{ ''.join(['a']) }}", "attribute 'join' of 'str' object is unsafe"),
        ("{{ '%0999999999d' % 1 }}", "'%' formatting of text is not available"),
        ("{{ [1].append(2) }}", "attribute 'append' of 'list' object is unsafe"),
    ],
)
def test_published_sandbox_escapes_are_refused(source: str, reason: str) -> None:
    with pytest.raises(LetterTemplateError) as refused:
        render(source)
    assert reason in refused.value.message


@pytest.mark.parametrize(
    "source",
    [
        # CVE-2025-27516: |attr handed out str.format unchecked; letters do not offer |attr.
        "{{ x|attr('format') }}",
        "{{ 'x'|format(1) }}",
        "{{ [1, 2]|random }}",
        "{{ {'a': 1}|xmlattr }}",
        "{{ lipsum(10**6) }}",
        "{% include 'other' %}",
    ],
)
def test_dangerous_filters_and_globals_are_not_offered(source: str) -> None:
    with pytest.raises(LetterTemplateError):
        check_template_source(source, name="t.body.txt")


def test_the_html_form_autoescapes_and_xmlattr_refuses_bad_keys() -> None:
    html = render_template_source("<p>{{ x }}</p>", {"x": "<b>"}, name="t.html", html=True)
    assert html == "<p>&lt;b&gt;</p>"
    with pytest.raises(LetterTemplateError) as refused:
        render_template_source(
            "<p{{ a|xmlattr }}>", {"a": {"onclick=alert(1) x": "1"}}, name="t.html", html=True
        )
    assert "Invalid character in attribute name" in refused.value.message


def test_ordinary_template_features_still_work() -> None:
    out = render_template_source(
        "{{ x|upper }} {{ x.split('x')|join('-') }} {{ '2024-02-13'|long_date }} "
        "{% for i in range(3) %}{{ loop.index }}{% endfor %} {{ 'a' * 3 }} {{ 2 ** 10 }}",
        {"x": "text"},
        name="t.body.txt",
    )
    assert out == "TEXT te-t February 13, 2024 123 aaa 1024"
