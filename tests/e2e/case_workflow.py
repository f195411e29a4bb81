"""Helpers for the case-workflow e2e tests: ``CaseDesk`` (tests/e2e/test_cases_api.py) with an admin, the
clock, the documented path up to a decision, and reads of the tables the workflow writes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select

from tests.conftest import FixedClock
from tests.e2e.test_cases_api import PATH, CaseDesk
from zhichao.adapters.db.tables import case_documents
from zhichao.bootstrap import Container
from zhichao.services.auth import add_user

FINE = 456  # the factory record: 60.32 t on a 49 t limit, ZJ-2020 (LEGAL.md §4)
TO_DECISION = PATH[:7]  # send_notice … approve_legal_review, decide


def shanghai(day: str, time: str = "14:00:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{time}+08:00")


class WorkflowDesk(CaseDesk):
    """The case desk plus an admin (``root``) and a clock the test moves."""

    def __init__(self, c: Container, clock: FixedClock) -> None:
        super().__init__(c)
        self.clock = clock
        self.users["root"] = add_user(c.users, c.hasher, "root", "admin", now=c.clock())

    def at(self, day: str, time: str = "14:00:00") -> None:
        """Move the clock to ``day`` at ``time`` in Shanghai."""
        self.clock.now = shanghai(day, time)

    def ok(self, who: str, case_id: int, action: str, **extra: Any) -> dict[str, Any]:
        response = self.act(who, case_id, action, **extra)
        assert response.status_code == 200, (action, response.text)
        return dict(response.json())

    def decided_case(self, record_id: str = "r1", **changes: Any) -> int:
        """A case taken along the documented path (through legal review) to ``decided``, today."""
        case_id = self.approved_case(record_id, **changes)
        for who, action, _ in TO_DECISION:
            self.ok(who, case_id, action)
        return case_id

    def decision_number(self, case_id: int) -> str:
        """The number of the case's decision (决定书文号): the issued document's, or — while no document renderer
        is wired — a ``case_documents`` row entered here as the renderer would have."""
        for document in self.case(case_id)["documents"]:
            if document["kind"] == "decision":
                return str(document["number"])
        number = f"绍交执罚决〔2026〕{case_id}号"
        with self.c.db.writer.begin() as conn:
            conn.execute(insert(case_documents).values(
                case_id=case_id, kind="decision", year=2026, seq=case_id, number=number, created_at=self.c.clock(),
                created_by="test", sha256="0" * 64, storage_key=f"documents/{case_id}.pdf", size=1))
        return number

    def rows(self, table: Any, **where: Any) -> list[dict[str, Any]]:
        query = select(table).where(*(table.c[k] == v for k, v in where.items())).order_by(*table.primary_key)
        with self.c.db.reader.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def due(self, case_id: int) -> tuple[date | None, str | None]:
        """The case's next deadline as the API shows it."""
        case = self.case(case_id)["case"]
        return (None if case["due_on"] is None else date.fromisoformat(case["due_on"])), case["due_kind"]
