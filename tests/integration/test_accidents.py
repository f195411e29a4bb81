"""The accident register on real databases: the sample file imports, all or nothing with every error and its
line, a second import changes nothing, a changed row is updated and audited, the list's filters, and the
quarterly analysis's read by plates and period."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from importlib import resources

import pytest
from sqlalchemy import func, select

from zhichao.adapters.db.tables import accidents, audit_log
from zhichao.bootstrap import Container
from zhichao.services import accidents as service
from zhichao.services.accidents import AccidentFilter
from zhichao.services.auth import add_user
from zhichao.services.errors import InvalidInput, PermissionDenied
from zhichao.services.ports import User

HEADER = "ref,occurred_at,plate,place,severity,deaths,injuries,overloaded,county_code\n"


def sample() -> str:
    return resources.files("zhichao.data").joinpath("samples").joinpath("accidents.csv").read_text(encoding="utf-8")


def user(c: Container, role: str = "officer") -> User:
    return add_user(c.users, c.hasher, f"u-{role}", role, now=c.clock())[0]


def stored(c: Container) -> list[dict[str, object]]:
    with c.db.reader.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(accidents).order_by(accidents.c.ref))]


def audit_entries(c: Container) -> list[tuple[str, dict[str, object]]]:
    query = select(audit_log.c.action, audit_log.c.details).order_by(audit_log.c.seq)
    with c.db.reader.connect() as conn:
        return [(action, details) for action, details in conn.execute(query)]


def do_import(c: Container, text: str, who: User) -> dict[str, int]:
    return service.import_accidents(c.accidents, who, text, now=c.clock(), origin="10.0.0.1")


def test_the_sample_imports_and_a_second_run_changes_nothing(container: Container) -> None:
    officer = user(container)
    first = do_import(container, sample(), officer)
    assert first == {"rows": 4, "inserted": 4, "updated": 0, "unchanged": 0}
    before = stored(container)
    assert [(r["plate"], r["severity"], r["county_code"]) for r in before] == [
        ("浙D12345", "ordinary", "330602"), ("浙D56789", "minor", "330603"), ("浙D88802", "minor", "330604"),
        ("浙D66601", "major", "330681")]
    assert before[3]["description"] == "自卸货车下坡制动失效冲出路外\n驾驶人受伤，同乘一人死亡"
    assert before[3]["occurred_at"] == datetime(2026, 10, 20, 21, 40, tzinfo=UTC)  # 2026/10/21 5:40 in Shanghai
    assert all(r["imported_by"] == officer.id and r["imported_at"] == container.clock() for r in before)

    container.clock.now = datetime(2026, 11, 27, tzinfo=UTC)  # type: ignore[attr-defined]
    again = do_import(container, sample(), user(container, "leader"))
    assert again == {"rows": 4, "inserted": 0, "updated": 0, "unchanged": 4}
    assert stored(container) == before  # imported_at and imported_by too
    assert audit_entries(container) == [("accident.import", {"rows": 4, "inserted": 4, "updated": 0, "unchanged": 0})]


def test_two_imports_of_the_same_file_at_once_insert_each_accident_once(container: Container) -> None:
    officer, leader = user(container), user(container, "leader")
    start = threading.Barrier(2)
    results: list[dict[str, int]] = []
    failures: list[BaseException] = []

    def run(who: User) -> None:
        start.wait()
        try:
            results.append(do_import(container, sample(), who))
        except BaseException as exc:  # reported by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(who,)) for who in (officer, leader)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert sorted((r["inserted"], r["unchanged"]) for r in results) == [(0, 4), (4, 0)]
    assert len(stored(container)) == 4 and len(audit_entries(container)) == 1


def test_a_changed_row_is_updated_and_a_new_one_added(container: Container) -> None:
    do_import(container, HEADER + "A-1,2026-11-01 08:00,浙D12345,钱清,minor,0,0,,\n", user(container))
    leader = user(container, "leader")
    container.clock.now = datetime(2026, 11, 27, tzinfo=UTC)  # type: ignore[attr-defined]
    text = HEADER + ("A-1,2026-11-01 08:00,浙D12345,钱清,一般事故,0,2,是,柯桥区\n"
                     "A-2,2026-11-02 08:00,浙D55503,钱清,minor,0,0,,\n")
    assert do_import(container, text, leader) == {"rows": 2, "inserted": 1, "updated": 1, "unchanged": 0}
    changed = stored(container)[0]
    assert (changed["severity"], changed["injuries"], changed["overloaded"], changed["county_code"]) == (
        "ordinary", 2, True, "330603")
    assert (changed["imported_at"], changed["imported_by"]) == (container.clock(), leader.id)
    assert audit_entries(container)[-1] == ("accident.import", {"rows": 2, "inserted": 1, "updated": 1,
                                                                "unchanged": 0})


def test_one_bad_row_imports_nothing_and_every_error_has_its_line(container: Container) -> None:
    text = HEADER + ("B-1,2026-11-01 08:00,浙D12345,钱清,minor,0,0,,\n"
                     "B-2,2026-11-31 08:00,浙D1234,钱清,较大事故,0,0,,\n"  # line 3: date, plate, severity
                     "B-3,2026-11-01 08:00,浙D12345,,minor,1,0,可能,330100\n"  # line 4: place, severity, flag, county
                     "B-1,2026-11-02 08:00,浙D12345,钱清,minor,0,0,,\n")  # line 5: the number of line 2 again
    with pytest.raises(InvalidInput) as caught:
        do_import(container, text, user(container))
    assert caught.value.code == "invalid_rows" and "8 处错误" in caught.value.message
    assert [(e["row"], e["field"]) for e in caught.value.details] == [  # type: ignore[union-attr]
        (3, "occurred_at"), (3, "plate"), (3, "severity"),
        (4, "place"), (4, "county_code"), (4, "severity"), (4, "overloaded"),
        (5, "ref")]
    assert "与第 2 行重复" in caught.value.details[-1]["message"]  # type: ignore[index]
    assert stored(container) == [] and audit_entries(container) == []


@pytest.mark.parametrize(("text", "code"), [
    ("ref,plate,place,severity\nX,浙D12345,钱清,minor\n", "csv_header"),
    (HEADER, "empty_import"),
])
def test_a_file_that_is_not_a_register_is_refused_by_name(container: Container, text: str, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        do_import(container, text, user(container))
    assert caught.value.code == code and stored(container) == []


@pytest.mark.parametrize("role", ["reviewer", "partner"])
def test_roles_that_may_not_import_store_nothing(container: Container, role: str) -> None:
    with pytest.raises(PermissionDenied):
        do_import(container, sample(), user(container, role))
    assert stored(container) == []


def register(c: Container) -> None:
    """Accidents around the fourth quarter of 2026 (Shanghai days)."""
    do_import(c, HEADER + (
        "Q-0,2026-09-30 23:59,浙D12345,钱清,minor,0,0,,\n"  # the day before the quarter
        "Q-1,2026-10-01 00:00,浙D12345,钱清,ordinary,0,1,是,330603\n"  # its first minute
        "Q-2,2026-11-20 12:00,浙d·55503,东湖,major,1,2,否,330602\n"
        "Q-3,2026-11-25 23:59,浙D12345,东湖,minor,0,0,,330602\n"
        "Q-4,2026-11-10 10:00,浙D77777,枫桥,minor,0,0,,330681\n"), user(c))


def test_accidents_of_reads_the_plates_in_a_period_of_local_days(container: Container) -> None:
    register(container)
    found = service.accidents_of(container.accidents, ["黄浙D12345", "浙D55503", "无车牌"], date(2026, 10, 1),
                                 date(2026, 11, 25))
    assert [a["ref"] for a in found] == ["Q-1", "Q-2", "Q-3"]
    assert service.accidents_of(container.accidents, [], date(2026, 1, 1), date(2026, 12, 31)) == []
    many = [f"浙D{n:05d}" for n in range(1000)] + ["浙D77777"]  # more plates than one IN list holds
    assert [a["ref"] for a in service.accidents_of(container.accidents, many, date(2026, 11, 1),
                                                   date(2026, 11, 30))] == ["Q-4"]
    with pytest.raises(InvalidInput) as caught:
        service.accidents_of(container.accidents, ["浙D12345"], date(2026, 11, 2), date(2026, 11, 1))
    assert caught.value.code == "period_reversed"


@pytest.mark.parametrize(("f", "refs"), [
    (AccidentFilter(), ["Q-3", "Q-2", "Q-4", "Q-1", "Q-0"]),
    (AccidentFilter(start=date(2026, 10, 1), end=date(2026, 11, 20)), ["Q-2", "Q-4", "Q-1"]),
    (AccidentFilter(end=date(2026, 9, 30)), ["Q-0"]),
    (AccidentFilter(plate="黄浙D12345"), ["Q-3", "Q-1", "Q-0"]),
    (AccidentFilter(county="越城区"), ["Q-3", "Q-2"]),
    (AccidentFilter(county="330681", severity="轻微事故"), ["Q-4"]),
    (AccidentFilter(severity="major"), ["Q-2"]),
])
def test_the_list_filters(container: Container, f: AccidentFilter, refs: list[str]) -> None:
    register(container)
    assert [a["ref"] for a in service.listing(container.accidents, f)] == refs


@pytest.mark.parametrize(("f", "code"), [
    (AccidentFilter(plate="浙D1234"), "invalid_plate"),
    (AccidentFilter(county="330100"), "invalid_county"),
    (AccidentFilter(severity="较大"), "invalid_severity"),
    (AccidentFilter(start=date(2026, 11, 2), end=date(2026, 11, 1)), "period_reversed"),
])
def test_a_wrong_filter_is_refused_by_name(container: Container, f: AccidentFilter, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        service.listing(container.accidents, f)
    assert caught.value.code == code


def test_the_register_counts_its_rows(container: Container) -> None:
    register(container)
    with container.db.reader.connect() as conn:
        assert container.accidents.repo.count() == conn.execute(select(func.count()).select_from(accidents)).scalar()


def test_the_demo_seeds_an_empty_register_once_with_the_repeat_offender_s_accidents(container: Container) -> None:
    from zhichao import demo_accidents, demo_story

    users = {"officer": user(container)}
    assert "导入 5 起事故" in demo_accidents.seed(container, users)
    assert demo_accidents.seed(container, users) == ""  # a restarted demo leaves the register alone
    today = container.clock().date()
    found = service.accidents_of(container.accidents, [demo_story.PLATE], date(today.year - 1, 1, 1), today)
    assert [(a["severity"], a["overloaded"]) for a in found] == [("minor", None), ("ordinary", True)]
