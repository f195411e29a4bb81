"""Parties imported from a register's CSV export: whole-file checks, open cases only, officers' entries kept."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.e2e.test_cases_api import OWNER, CaseDesk, error
from zhichao.adapters.db.tables import case_parties
from zhichao.bootstrap import Container


@pytest.fixture
def desk(container: Container) -> CaseDesk:
    return CaseDesk(container)


HEADER = "plate,role,name,id_number,phone,address,licence\n"
DRIVER = "浙D12345,driver,李建国,330621198503150033,13905751234,浙江省绍兴市柯桥区,330600123456\n"
SOURCE = "浙D12345,source,诸暨市浣东建材有限公司,,,浙江省诸暨市浣东街道,\n"


def _import(desk: CaseDesk, text: str, who: str = "wang") -> object:
    return desk.call(who, "POST", "/parties/import", content=text.encode(), headers={"content-type": "text/csv"})


def _parties(desk: CaseDesk, case_id: int) -> dict[str, tuple[str, str]]:
    with desk.c.db.reader.connect() as conn:
        rows = conn.execute(select(case_parties.c.role, case_parties.c.name, case_parties.c.source)
                            .where(case_parties.c.case_id == case_id))
        return {role: (name, source) for role, name, source in rows}


def test_rows_fill_the_open_cases_of_the_plate_and_keep_what_officers_entered(desk: CaseDesk) -> None:
    case_id = desk.approved_case()  # the officer entered the owner
    other = desk.approved_case("r2", owner=False, plate="浙D67890", captured_at="2026-11-26T13:40:00+08:00")
    owner_row = "浙D12345,owner,某某公司,,,,\n"
    response = _import(desk, HEADER + DRIVER + SOURCE + owner_row)
    assert response.status_code == 200, response.text  # type: ignore[attr-defined]
    assert response.json() == {"rows": 3, "set": 2, "kept": 1}  # type: ignore[attr-defined]
    assert _parties(desk, case_id) == {"owner": (OWNER["name"], "officer"), "driver": ("李建国", "register"),
                                       "source": ("诸暨市浣东建材有限公司", "register")}
    assert _parties(desk, other) == {}
    assert desk.c.audit.for_subject("cases")[-1].details == {"rows": 3, "set": 2, "kept_officer_entries": 1}


def test_one_bad_row_imports_nothing_and_names_the_row(desk: CaseDesk) -> None:
    case_id = desk.approved_case(owner=False)
    bad_driver = "浙D12345,driver,李建国,330621198503150036,,,\n"  # wrong check digit
    response = _import(desk, HEADER + SOURCE + bad_driver + ",owner,无号牌,,,,\n")
    assert error(response) == (400, "invalid_rows")
    assert response.json()["error"]["details"] == [  # type: ignore[attr-defined]
        {"row": 3, "field": "id_number", "message": "公民身份号码不正确（校验位不符）：330621198503150036"},
        {"row": 4, "field": "plate", "message": "号牌号码不能为空"}]
    assert _parties(desk, case_id) == {}
    assert error(_import(desk, "plate,name\n浙D12345,某\n")) == (400, "missing_columns")
    assert error(_import(desk, HEADER + SOURCE, who="zhang")) == (403, "role_not_allowed")
