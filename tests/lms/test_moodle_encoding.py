"""PHP bracket encoding and field-count batching for Moodle's REST server."""

import datetime
import enum
from decimal import Decimal

import pytest

from lms.moodle.encoding import WS_FIELDS, chunk, count_fields, encode


class Role(enum.IntEnum):
    STUDENT = 5


class Format(str, enum.Enum):  # noqa: UP042 - the mixin whose str() is "Format.TOPICS"
    TOPICS = "topics"


def test_encode_nested_list_of_dicts_uses_php_brackets():
    params = {
        "courses": [
            {"fullname": "IA générative", "shortname": "IA-01", "categoryid": 7},
            {"fullname": "Prompting", "shortname": "IA-02", "categoryid": 7},
        ]
    }

    assert encode(params) == [
        ("courses[0][fullname]", "IA générative"),
        ("courses[0][shortname]", "IA-01"),
        ("courses[0][categoryid]", "7"),
        ("courses[1][fullname]", "Prompting"),
        ("courses[1][shortname]", "IA-02"),
        ("courses[1][categoryid]", "7"),
    ]


def test_encode_top_level_list_and_scalar():
    assert encode({"field": "email", "values": ["a@example.org", "b@example.org"]}) == [
        ("field", "email"),
        ("values[0]", "a@example.org"),
        ("values[1]", "b@example.org"),
    ]


def test_encode_criteria_and_doubly_nested_keys():
    assert encode({"criteria": [{"key": "idnumber", "value": "CAT-1"}]}) == [
        ("criteria[0][key]", "idnumber"),
        ("criteria[0][value]", "CAT-1"),
    ]
    cohorts = [{"categorytype": {"type": "system", "value": ""}, "name": "ACME", "idnumber": "org-acme"}]
    assert encode({"cohorts": cohorts}) == [
        ("cohorts[0][categorytype][type]", "system"),
        ("cohorts[0][categorytype][value]", ""),
        ("cohorts[0][name]", "ACME"),
        ("cohorts[0][idnumber]", "org-acme"),
    ]


def test_encode_list_inside_item():
    params = {"courses": [{"id": 3, "courseformatoptions": [{"name": "numsections", "value": 4}]}]}

    assert encode(params) == [
        ("courses[0][id]", "3"),
        ("courses[0][courseformatoptions][0][name]", "numsections"),
        ("courses[0][courseformatoptions][0][value]", "4"),
    ]


def test_encode_booleans_as_one_and_zero():
    assert encode({"users": [{"createpassword": True, "suspended": False}]}) == [
        ("users[0][createpassword]", "1"),
        ("users[0][suspended]", "0"),
    ]


def test_encode_skips_none_values():
    assert encode({"courseid": 4, "groupid": None, "options": [{"name": "x", "value": None}]}) == [
        ("courseid", "4"),
        ("options[0][name]", "x"),
    ]


def test_encode_decimal_and_enum_members_as_plain_values():
    assert encode({"price": Decimal("12.50"), "roleid": Role.STUDENT, "format": Format.TOPICS}) == [
        ("price", "12.50"),
        ("roleid", "5"),
        ("format", "topics"),
    ]


def test_encode_refuses_dates():
    with pytest.raises(TypeError, match="startdate"):
        encode({"courses": [{"startdate": datetime.date(2026, 1, 5)}]})


def test_count_fields():
    assert count_fields({"courses": [{"fullname": "A", "shortname": "B", "idnumber": None}], "x": 1}) == 3
    assert count_fields(None) == 0


def _call_size(batch, list_key, common=None):
    return len(WS_FIELDS) + count_fields(common) + count_fields({list_key: batch})


def test_chunk_keeps_each_call_within_the_limit_and_every_item_in_order():
    items = [{"userid": i, "courseid": 9, "roleid": 5, "timestart": 1_700_000_000 + i} for i in range(1, 501)]
    items[10]["timeend"] = 1_800_000_000  # one item with an extra field
    common = {"courseid": 9}

    batches = chunk(items, list_key="enrolments", max_fields=100, common=common)

    assert [item for batch in batches for item in batch] == items
    assert all(_call_size(batch, "enrolments", common) <= 100 for batch in batches)
    assert len(batches) > 1


def test_chunk_fills_a_call_up_to_the_limit_exactly():
    items = [{"a": 1, "b": 2} for _ in range(6)]  # 2 fields each

    batches = chunk(items, list_key="things", max_fields=3 + 4)

    assert [len(batch) for batch in batches] == [2, 2, 2]


def test_chunk_of_nothing_is_no_call():
    assert chunk([], list_key="users", max_fields=900) == []


def test_chunk_refuses_an_item_too_big_for_one_call():
    items = [{"a": 1}, {f"k{i}": i for i in range(10)}]

    with pytest.raises(ValueError, match=r"things\[1\]"):
        chunk(items, list_key="things", max_fields=10)


def test_chunk_counts_common_fields():
    items = [{"a": 1} for _ in range(4)]

    batches = chunk(items, list_key="things", max_fields=3 + 2 + 2, common={"x": 1, "y": 2})

    assert [len(batch) for batch in batches] == [2, 2]
