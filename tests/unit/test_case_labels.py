"""The case pages name every case action, state and deadline in Chinese: no stored code reaches a person."""

from __future__ import annotations

import re
from datetime import date

import pytest

from zhichao.domain.case_dates import DUE_LABELS
from zhichao.domain.cases import ACTION_LABELS, ACTIONS, STATES
from zhichao.web.console import labels as L
from zhichao.web.console.case_view import due_view

CJK = re.compile(r"[\u4e00-\u9fff]")
# Entries of the trail that are not moves of the table.
TRAIL_ONLY = ("partial_payment", "owner_statement", "statement_file")


@pytest.mark.parametrize("action", [*ACTIONS, *TRAIL_ONLY])
def test_every_case_action_has_a_chinese_label(action: str) -> None:
    assert CJK.search(ACTION_LABELS.get(action, "")), f"ACTION_LABELS lacks {action}"


def test_no_label_is_kept_for_an_action_that_does_not_exist() -> None:
    assert set(ACTION_LABELS) == {*ACTIONS, *TRAIL_ONLY}


@pytest.mark.parametrize("state", STATES)
def test_every_case_state_has_a_chinese_label(state: str) -> None:
    assert CJK.search(L.label(L.CASE_STATES, state))


def test_every_deadline_and_event_role_has_a_chinese_label() -> None:
    assert set(L.DUE_KINDS) == set(DUE_LABELS)
    for role in ("officer", "legal", "leader", "admin", "owner", "system"):
        assert CJK.search(L.label(L.EVENT_ROLES, role)), role


TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(("due_on", "level", "text"), [
    pytest.param(None, "none", "—", id="no deadline"),
    pytest.param(date(2026, 11, 25), "overdue", "已逾期 1 日", id="yesterday: red"),
    pytest.param(date(2026, 11, 26), "soon", "今日到期", id="today: amber"),
    pytest.param(date(2026, 11, 29), "soon", "还剩 3 日", id="3 days: amber"),
    pytest.param(date(2026, 11, 30), "normal", "还剩 4 日", id="4 days: normal"),
])
def test_a_deadline_is_coloured_by_how_near_it_is(due_on: date | None, level: str, text: str) -> None:
    due = due_view(due_on, "report" if due_on else None, TODAY)
    assert (due.level, due.text) == (level, text)
    assert due.label == ("当事人接受处理（通知送达之日起15日）" if due_on else "")
