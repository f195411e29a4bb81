"""The review state table: every legal move, every refusal."""

from __future__ import annotations

import pytest

from zhichao.domain.review import (
    ACTIONS,
    APPROVE,
    APPROVED,
    PENDING_FIRST,
    PENDING_SECOND,
    REJECT,
    REJECTED,
    SEND_BACK,
    STATES,
    TRANSITIONS,
    Decision,
    ReviewRefused,
    decide,
)

FIRST, SECOND = 1, 2


@pytest.mark.parametrize(
    ("state", "decision", "first_reviewer", "target"),
    [
        pytest.param(PENDING_FIRST, Decision(APPROVE, FIRST), None, PENDING_SECOND, id="first review approves"),
        pytest.param(PENDING_FIRST, Decision(REJECT, FIRST, "plate_misread"), None, REJECTED,
                     id="first review rejects with a reason"),
        pytest.param(PENDING_SECOND, Decision(APPROVE, SECOND), FIRST, APPROVED,
                     id="a different reviewer approves the second review"),
        pytest.param(PENDING_SECOND, Decision(REJECT, SECOND, "other", "看不清"), FIRST, REJECTED,
                     id="second review rejects"),
        pytest.param(PENDING_SECOND, Decision(SEND_BACK, SECOND, None, "请核对车牌"), FIRST, PENDING_FIRST,
                     id="second review sends back with a note"),
    ],
)
def test_legal_moves(state: str, decision: Decision, first_reviewer: int | None, target: str) -> None:
    assert decide(state, decision, first_reviewer=first_reviewer, blocked=False) == target


@pytest.mark.parametrize(
    ("state", "decision", "first_reviewer", "blocked", "code"),
    [
        pytest.param(PENDING_SECOND, Decision(APPROVE, FIRST), FIRST, False, "same_reviewer",
                     id="nobody reviews their own first review"),
        pytest.param(PENDING_SECOND, Decision(REJECT, FIRST, "other"), FIRST, False, "same_reviewer",
                     id="nor rejects it at second review"),
        pytest.param(PENDING_FIRST, Decision(APPROVE, FIRST), None, True, "blocked_by_screening",
                     id="a blocked record cannot pass first review"),
        pytest.param(PENDING_SECOND, Decision(APPROVE, SECOND), FIRST, True, "blocked_by_screening",
                     id="nor second review"),
        pytest.param(PENDING_FIRST, Decision(REJECT, FIRST), None, False, "reason_required",
                     id="a rejection needs a reason"),
        pytest.param(PENDING_FIRST, Decision(REJECT, FIRST, "because"), None, False, "reason_required",
                     id="a reason from the list"),
        pytest.param(PENDING_SECOND, Decision(SEND_BACK, SECOND, None, "  "), FIRST, False, "note_required",
                     id="a send-back needs a note"),
        pytest.param(PENDING_FIRST, Decision(SEND_BACK, FIRST, None, "x"), None, False, "illegal_transition",
                     id="first review cannot send back"),
        pytest.param(APPROVED, Decision(REJECT, SECOND, "other"), FIRST, False, "illegal_transition",
                     id="an approved record is final"),
        pytest.param(REJECTED, Decision(APPROVE, SECOND), FIRST, False, "illegal_transition",
                     id="a rejected record is final"),
    ],
)
def test_refused_moves(state: str, decision: Decision, first_reviewer: int | None, blocked: bool, code: str) -> None:
    with pytest.raises(ReviewRefused) as refused:
        decide(state, decision, first_reviewer=first_reviewer, blocked=blocked)
    assert refused.value.code == code and refused.value.message


def test_a_blocked_record_can_still_be_rejected() -> None:
    rejection = Decision(REJECT, FIRST, "weighing_fault")
    assert decide(PENDING_FIRST, rejection, first_reviewer=None, blocked=True) == REJECTED


def test_the_table_only_names_known_states_and_actions() -> None:
    for (state, action), target in TRANSITIONS.items():
        assert state in STATES and target in STATES and action in ACTIONS
