"""Importing the registries on real databases, from the sample files shipped in the package: all or nothing,
each error with its line, nothing imported twice, plates in any form one vehicle."""

from __future__ import annotations

from importlib import resources

import pytest

from zhichao.bootstrap import Container
from zhichao.domain.registries import KINDS
from zhichao.services.errors import InvalidInput
from zhichao.services.registries import import_registry

FILES = {"vehicle": "vehicles.csv", "driver": "drivers.csv", "enterprise": "enterprises.csv",
         "source": "freight_sources.csv"}


def sample(kind: str) -> str:
    return resources.files("zhichao.data").joinpath("samples").joinpath(FILES[kind]).read_text(encoding="utf-8")


@pytest.mark.parametrize("kind", KINDS)
def test_the_sample_files_import_and_a_second_run_changes_nothing(container: Container, kind: str) -> None:
    first = import_registry(container.registries, kind, sample(kind), now=container.clock())
    assert first["rows"] > 0 and first["inserted"] == first["rows"] and first["updated"] == 0
    assert container.registries.count(kind) == first["rows"]
    again = import_registry(container.registries, kind, sample(kind), now=container.clock())
    assert again == {"rows": first["rows"], "inserted": 0, "updated": 0, "unchanged": first["rows"]}


def test_plates_written_differently_are_one_vehicle_and_a_change_is_an_update(container: Container) -> None:
    import_registry(container.registries, "vehicle", sample("vehicle"), now=container.clock())
    vehicle = container.registries.get("vehicle", "浙D56789")  # written 浙D·56789 in the file
    assert vehicle is not None and vehicle["axle_count"] == 6
    text = "plate,axle_count,engineering\n黄浙D56789,5,是\n浙d12345,6,否\n"
    result = import_registry(container.registries, "vehicle", text, now=container.clock())
    assert (result["inserted"], result["updated"], result["unchanged"]) == (0, 2, 0)
    assert container.registries.get("vehicle", "浙D56789")["axle_count"] == 5  # type: ignore[index]


def test_one_bad_row_imports_nothing_and_every_error_is_reported(container: Container) -> None:
    text = ("credit_code,name,fleet_size\n"
            "91330600725000101E,绍兴市越达物流有限公司,40\n"
            "91330600725000101F,校验位错误的企业,10\n"  # line 3
            "91330600725000102H,,0\n"  # line 4: no name, no fleet
            "91330600725000101E,重复的企业,3\n")  # line 5: the key of line 2 again
    with pytest.raises(InvalidInput) as caught:
        import_registry(container.registries, "enterprise", text, now=container.clock())
    assert caught.value.code == "invalid_rows"
    assert [(e["row"], e["field"]) for e in caught.value.details] == [  # type: ignore[union-attr]
        (3, "credit_code"), (4, "name"), (4, "fleet_size"), (5, "credit_code")]
    assert container.registries.count("enterprise") == 0


@pytest.mark.parametrize(("kind", "text", "code"), [
    ("truck", "plate\n浙D12345\n", "unknown_registry"),
    ("driver", "name\n王建国\n", "csv_header"),
])
def test_a_wrong_file_is_refused_by_name(container: Container, kind: str, text: str, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        import_registry(container.registries, kind, text, now=container.clock())
    assert caught.value.code == code
