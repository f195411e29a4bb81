"""The case state table: docs/cases.md equals TRANSITIONS, every other move is refused, and the rules
beyond the table (roles, reasons, legal review of major decisions) hold."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from zhichao.domain.cases import (
    ACTIONS,
    DISPOSED_STATES,
    FINAL_STATES,
    OPEN_STATES,
    PENALISED_STATES,
    ROLE_ACTIONS,
    STATE_LABELS,
    STATES,
    TRANSITIONS,
    CaseRefused,
    act,
)

DOC = (Path(__file__).resolve().parents[2] / "docs" / "cases.md").read_text(encoding="utf-8")
ROW = re.compile(r"^\| `(\w+)` \| `(\w+)` \| `(\w+)` \| ([\w, ]+) \| [^|]+ \|$", re.M)
DOCUMENTED = {(state, action): (target, who) for state, action, target, who in ROW.findall(DOC)}


def a_role_for(action: str) -> str:
    return next(role for role, actions in ROLE_ACTIONS.items() if action in actions)


def test_the_documented_table_is_the_code_table() -> None:
    assert len(DOCUMENTED) == len(ROW.findall(DOC)), "a transition is documented twice"
    assert {key: target for key, (target, _) in DOCUMENTED.items()} == dict(TRANSITIONS)


@pytest.mark.parametrize(("state", "action"), sorted(DOCUMENTED))
def test_the_documented_roles_are_the_code_roles(state: str, action: str) -> None:
    documented = {role.strip() for role in DOCUMENTED[(state, action)][1].split(",")}
    assert documented == {role for role, actions in ROLE_ACTIONS.items() if action in actions}


@pytest.mark.parametrize(("state", "action"), sorted(TRANSITIONS))
def test_every_documented_move_is_allowed(state: str, action: str) -> None:
    reason = "误录" if action == "withdraw" else None
    assert act(state, action, role=a_role_for(action), reason=reason) == TRANSITIONS[(state, action)]


def test_every_other_move_is_refused_as_illegal() -> None:
    refused = 0
    for state in STATES:
        for action in ACTIONS:
            if (state, action) in TRANSITIONS:
                continue
            with pytest.raises(CaseRefused) as error:
                act(state, action, role=a_role_for(action), reason="x")
            assert error.value.code == "illegal_transition" and error.value.message
            refused += 1
    assert refused == len(STATES) * len(ACTIONS) - len(TRANSITIONS)


@pytest.mark.parametrize(
    ("state", "action", "role"),
    [
        pytest.param("valid", "send_notice", "reviewer", id="reviewers cannot act on cases"),
        pytest.param("legal_review", "approve_legal_review", "officer", id="officers cannot do legal review"),
        pytest.param("legal_review", "return_legal_review", "leader", id="nor can leaders"),
        pytest.param("statement", "decide", "officer", id="officers do not sign decisions"),
        pytest.param("notified", "withdraw", "officer", id="only leaders withdraw"),
        pytest.param("decided", "withdraw", "admin", id="admins neither"),
        pytest.param("decided", "record_payment", "legal", id="legal does not record payments"),
        pytest.param("reminded", "apply_court_enforcement", "officer", id="the leader applies to court"),
        pytest.param("statement", "request_legal_review", "legal", id="legal does not review on its own request"),
    ],
)
def test_roles_are_enforced(state: str, action: str, role: str) -> None:
    with pytest.raises(CaseRefused) as error:
        act(state, action, role=role, reason="理由")
    assert error.value.code == "role_not_allowed"


@pytest.mark.parametrize("role", ["officer", "admin"])
def test_officers_and_admins_record_payments(role: str) -> None:
    assert act("decided", "record_payment", role=role) == "paid"


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_withdrawal_needs_a_reason(reason: str | None) -> None:
    with pytest.raises(CaseRefused) as error:
        act("decided", "withdraw", role="leader", reason=reason)
    assert error.value.code == "reason_required"


@pytest.mark.parametrize("state", sorted(OPEN_STATES))
def test_every_open_case_can_be_withdrawn(state: str) -> None:
    assert act(state, "withdraw", role="leader", reason="车牌套用，系误认") == "withdrawn"


def test_a_major_decision_needs_legal_review_first() -> None:
    with pytest.raises(CaseRefused) as error:
        act("statement", "decide", role="leader", major=True)
    assert error.value.code == "legal_review_required"
    state = act("statement", "request_legal_review", role="officer", major=True)
    state = act(state, "approve_legal_review", role="legal", major=True)
    assert act(state, "decide", role="leader", major=True) == "decided"


def test_a_case_is_not_decided_while_in_legal_review() -> None:
    with pytest.raises(CaseRefused) as error:
        act("legal_review", "decide", role="leader", major=True)
    assert error.value.code == "illegal_transition"


def test_an_ordinary_decision_needs_no_legal_review() -> None:
    assert act("statement", "decide", role="leader") == "decided"


def test_no_decision_before_the_party_is_heard() -> None:
    with pytest.raises(CaseRefused) as error:
        act("pre_decision", "decide", role="leader")
    assert error.value.code == "illegal_transition"


def test_the_state_sets_partition_and_agree_with_the_table() -> None:
    assert set(STATES) == set(STATE_LABELS) and set(STATES) == OPEN_STATES | FINAL_STATES
    assert not OPEN_STATES & FINAL_STATES
    assert PENALISED_STATES < DISPOSED_STATES and set(DISPOSED_STATES - PENALISED_STATES) == {"no_penalty"}
    for (state, action), target in TRANSITIONS.items():
        assert state in STATES and target in STATES and action in ACTIONS
        assert state in OPEN_STATES or (state, action) == ("closed", "transfer")


def test_closed_and_transferred_are_reached_only_after_a_decision() -> None:
    sources = {state for (state, _), target in TRANSITIONS.items() if target in {"closed", "transferred"}}
    assert sources <= PENALISED_STATES
