"""Studio's Liquid and its split conditions, each as ours: every construct the corpus uses is
rendered (or evaluated) by our template engine and compared with what Studio documents for the
same input. The expected values cite Twilio's and Liquid's documentation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sce.expr.interp import evaluate
from sce.expr.parser import parse_expression
from sce.expr.template import parse_template, render
from sce.studio import liquid
from sce.studio.conditions import conditions

#: The values our names stand for in these tests.
NAMES = {
    ("widgets", "gather_1", "Digits"): "gather_1_digits",
    ("widgets", "gather_1", "SpeechResult"): "gather_1_speech",
    ("widgets", "lookup", "parsed", "account", "name"): "lookup_account_name",
    ("widgets", "my widget", "parsed", "items", "0"): "my_widget_items_0",
    ("flow", "variables", "count"): "count",
    ("flow", "variables", "name"): "name",
    ("flow", "data", "ticket"): "data_ticket",
    ("trigger", "call", "From"): "caller",
}
VALUES = {
    "gather_1_digits": "42",
    "gather_1_speech": "  Sales ",
    "lookup_account_name": "Ada",
    "my_widget_items_0": "first",
    "count": "2",
    "name": "",
    "data_ticket": "T-7",
    "caller": "+15551230000",
}


def resolve(path: tuple[str, ...]) -> str | None:
    return NAMES.get(path)


def rendered(source: str, **values: object) -> str:
    translated = liquid.template(source, resolve)
    return render(parse_template(translated.text), {**VALUES, **values})


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # Output tags (Studio: "Liquid template variables" in widget properties).
        ("You typed {{widgets.gather_1.Digits}}.", "You typed 42."),
        ("Hello {{widgets.lookup.parsed.account.name}}", "Hello Ada"),
        ('{{ widgets["my widget"].parsed.items[0] }}', "first"),
        ("Ticket {{flow.data.ticket}} from {{trigger.call.From}}", "Ticket T-7 from +15551230000"),
        ("Braces {stay} as {{flow.variables.count}} {text}", "Braces {stay} as 2 {text}"),
        # Filters (Shopify Liquid: downcase, upcase, strip, size, default, plus, remove...).
        ("{{ widgets.gather_1.SpeechResult | strip | downcase }}", "sales"),
        ("{{ widgets.lookup.parsed.account.name | upcase }}", "ADA"),
        ("{{ widgets.lookup.parsed.account.name | size }}", "3"),
        ("{{ flow.variables.name | default: 'friend' }}", "friend"),
        ("{{ flow.variables.count | plus: 1 }}", "3"),
        ("{{ flow.variables.count | times: 3 | minus: 1 }}", "5"),
        ("{{ trigger.call.From | remove: '+' }}", "15551230000"),
        ("{{ 'ada' | capitalize | append: '!' }}", "Ada!"),
        ("{{ 'x' | prepend: 'a' }}", "ax"),
        ("{{ 'a-b' | replace: '-', '+' }}", "a+b"),
        # Tags: if / elsif / else, unless, case / when, assign, comment, raw.
        ("{% if flow.variables.count == '2' %}two{% else %}other{% endif %}", "two"),
        (
            "{% if flow.variables.count > 5 %}many{% elsif flow.variables.count > 1 %}some{% else %}one{% endif %}",
            "some",
        ),
        ("{% unless flow.variables.name %}nameless{% endunless %}", "nameless"),
        (
            "{% if flow.variables.name %}Hi {{flow.variables.name}}{% else %}Hello{% endif %}",
            "Hello",
        ),
        ("{% if widgets.gather_1.SpeechResult contains 'Sal' %}yes{% endif %}", "yes"),
        (
            "{% case widgets.gather_1.Digits %}{% when '1' %}one{% when '42', '43' %}many{% else %}none{% endcase %}",
            "many",
        ),
        (
            "{% assign who = widgets.lookup.parsed.account.name | upcase %}Dear {{ who }}",
            "Dear ADA",
        ),
        ("a{% comment %} not said {% endcomment %}b", "ab"),
        ("{% raw %}{{ kept }}{% endraw %}", "{{ kept }}"),
        # Whitespace control trims the text beside the tag.
        ("Hello   {{- flow.variables.count -}}   !", "Hello2!"),
    ],
)
def test_liquid_renders_as_studio_documents(source: str, expected: str) -> None:
    translated = liquid.template(source, resolve)
    assert translated.problems == (), translated.problems
    assert rendered(source) == expected


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("{{ widgets.nothing.Digits }}", "unknown value {{widgets.nothing.Digits}}"),
        ("{{ flow.variables.count | date: '%Y' }}", "the filter 'date' has no equivalent"),
        ("{% for i in (1..3) %}x{% endfor %}after", "the Liquid tag 'for' has no equivalent"),
        ("{{ 'a' | truncate: 1 }}", "the filter 'truncate' is approximated"),
        ("open {{ never closed", "an unclosed Liquid tag was kept as text"),
        ("{% if flow.variables.count %}no end", "a Liquid block is not closed"),
    ],
)
def test_what_has_no_equivalent_is_named_and_the_rest_still_renders(
    source: str, problem: str
) -> None:
    translated = liquid.template(source, resolve)
    assert any(problem in p for p in translated.problems), translated.problems
    parse_template(translated.text)  # still one of our templates


def test_an_expression_is_the_text_the_template_renders() -> None:
    alone = liquid.expression("{{widgets.gather_1.Digits}}", resolve)
    assert alone.text == "gather_1_digits", "a lone value keeps its kind"
    mixed = liquid.expression("Dear {{widgets.lookup.parsed.account.name}}!", resolve)
    assert evaluate(parse_expression(mixed.text), VALUES) == "Dear Ada!"
    assert liquid.expression("", resolve).text == "''"


_LIQUID_BITS = st.sampled_from(
    [
        "{",
        "}",
        "{{",
        "}}",
        "{%",
        "%}",
        "'",
        '"',
        "{{ flow.variables.count }}",
        "{% if x %}",
        "{% endif %}",
        "|",
        " upcase",
        "text",
        " ",
        "{{-",
        "-}}",
        "\\",
    ]
)


@given(st.lists(_LIQUID_BITS, max_size=12).map("".join))
def test_any_text_gives_a_valid_template_and_expression(source: str) -> None:
    parse_template(liquid.template(source, resolve).text)
    parse_expression(liquid.expression(source, resolve).text)


# -- split conditions ----------------------------------------------------------------------


def holds(kind: str, subject: str, value: str) -> bool:
    """Whether Studio's condition `kind` holds of the tested `subject` against `value`."""
    expression = conditions[kind]("subject", "'" + value.replace("'", "\\'") + "'")
    return bool(evaluate(parse_expression(expression), {"subject": subject}))


@pytest.mark.parametrize(
    ("kind", "subject", "value", "expected"),
    [
        # Twilio, Split Based On...: "Studio conditions are not case-sensitive and automatically
        # trim leading and trailing whitespace characters."
        ("equal_to", "YES", "yes", True),
        ("equal_to", " 1 ", "1", True),
        ("equal_to", "2", "1", False),
        ("not_equal_to", "2", "1", True),
        # "Matches Any Of: Value is equivalent to any of the values in the given list"
        # (example: YES matches any of yes,yeah,yup).
        ("matches_any_of", "YES", "yes,yeah,yup", True),
        ("matches_any_of", "nope", "yes, yeah, yup", False),
        ("does_not_match_any_of", "nope", "yes,yeah", True),
        # "Contains: aab contains aa and A"; "Starts With: ' Hoot' starts with hoo".
        ("contains", "aab", "aa", True),
        ("contains", "aab", "A", True),
        ("does_not_contain", "aab", "c", True),
        ("starts_with", " Hoot", "hoo", True),
        ("does_not_start_with", "Hoot", "x", True),
        # "Less Than / Greater Than: value is less than [greater than] the number provided"
        # (example: 900 greater than 1000 is false).
        ("greater_than", "900", "1000", False),
        ("less_than", "900", "1000", True),
        # "Is Blank: only white-space characters or blank".
        ("is_blank", "   ", "", True),
        ("is_not_blank", "x", "", True),
        # "Regex ... case insensitive, and will only match if the provided regular expression
        # matches the entire string" (example: 6 against [1-5] is false).
        ("regex", "6", "[1-5]", False),
        ("regex", "3", "[1-5]", True),
        ("regex", "ABC", "abc", True),
        ("regex", "abcd", "abc", False),
        # "Times must be in 24-hour notation (HH:MM)": 17:00 is before 16:35 is false;
        # "Dates must be in the format YYYY-MM-DD": 2019-08-12 is after 2017-09-04.
        ("is_before_time", "17:00", "16:35", False),
        ("is_after_time", "17:00", "16:35", True),
        ("is_after_date", "2019-08-12", "2017-09-04", True),
        ("is_before_date", "2019-08-12", "2017-09-04", False),
    ],
)
def test_each_condition_holds_as_studio_documents(
    kind: str, subject: str, value: str, expected: bool
) -> None:
    assert holds(kind, subject, value) is expected
