"""Splitting an all-or-nothing batch until the refused items stand alone."""

import pytest

from lms.backends.moodle_batches import write_isolating
from lms.moodle.errors import ConfigurationError, ItemError, TransientError


class AllOrNothing:
    """A write that refuses the whole batch when it holds a bad item, and records what it saved."""

    def __init__(self, bad=(), error=ItemError):
        self.bad = set(bad)
        self.error = error
        self.saved: list[int] = []
        self.calls: list[list[int]] = []

    def __call__(self, batch):
        self.calls.append(list(batch))
        refused = self.bad.intersection(batch)
        if refused:
            raise self.error(f"bad item {min(refused)}", errorcode="invalidparameter")
        self.saved.extend(batch)
        return [item * 10 for item in batch]


def test_a_clean_batch_is_written_in_one_call():
    write = AllOrNothing()

    written = write_isolating(list(range(8)), write)

    assert write.calls == [list(range(8))]
    assert written.done == [(list(range(8)), [item * 10 for item in range(8)])]
    assert written.failed == []


def test_one_bad_item_is_isolated_and_the_others_are_saved():
    write = AllOrNothing(bad={5})

    written = write_isolating(list(range(16)), write)

    assert sorted(write.saved) == [item for item in range(16) if item != 5]
    assert [(item, error.errorcode) for item, error in written.failed] == [(5, "invalidparameter")]
    assert sorted(written.saved) == sorted(write.saved)
    # 16 -> 8 -> 4 -> 2 -> 1: one failing call per level, plus the accepted halves.
    assert len(write.calls) <= 2 * 4 + 1


def test_several_bad_items_each_fail_with_their_own_error():
    write = AllOrNothing(bad={0, 9})

    written = write_isolating(list(range(10)), write)

    assert {item: str(error.message) for item, error in written.failed} == {0: "bad item 0", 9: "bad item 9"}
    assert sorted(write.saved) == list(range(1, 9))


@pytest.mark.parametrize("kind", [TransientError, ConfigurationError])
def test_errors_about_the_whole_call_are_raised_at_once(kind):
    write = AllOrNothing(bad={3}, error=kind)

    with pytest.raises(kind):
        write_isolating(list(range(8)), write)
    assert len(write.calls) == 1


def test_items_saved_before_the_error_are_done_and_only_the_rest_is_retried():
    saved: list[int] = []
    calls: list[list[int]] = []

    def write(batch):
        calls.append(list(batch))
        saved.extend(batch[:2])  # Moodle saved the first two, then failed
        if len(calls) == 1:
            raise ItemError("Message was not sent.", errorcode="Message was not sent.")

    def recover(batch, error):
        return [item for item in batch if item not in saved]

    written = write_isolating([1, 2, 3, 4], write, recover=recover)

    assert calls == [[1, 2, 3, 4], [3, 4]]
    assert sorted(written.saved) == [1, 2, 3, 4]
    assert written.failed == []


def test_nothing_to_write_makes_no_call():
    write = AllOrNothing()

    assert write_isolating([], write).done == []
    assert write.calls == []
