"""Which registry entries a case links to (domain/party_links.py), as a table."""

from __future__ import annotations

from typing import Any

import pytest

from zhichao.domain.party_links import links

ID = "330602197501100127"  # a resident identity number with a correct check character
CODE = "91330600725000101E"  # a unified social credit code with a correct check character
OTHER = "91330600725000102H"


def party(role: str, id_number: str | None = None, licence: str | None = None) -> dict[str, Any]:
    return {"role": role, "id_number": id_number, "licence": licence}


@pytest.mark.parametrize(("parties", "vehicle_enterprise", "codes", "of_unit", "expected"), [
    # nothing entered: the vehicle alone, or with the enterprise the vehicle registry names
    ([], None, {}, {}, {"vehicle": "浙D12345"}),
    ([], CODE, {}, {}, {"vehicle": "浙D12345", "enterprise": CODE}),
    # the driver by a valid identity number only; lower case is read as upper
    ([party("driver", ID)], None, {}, {}, {"vehicle": "浙D12345", "driver": ID}),
    ([party("driver", "330602197501100128")], None, {}, {}, {"vehicle": "浙D12345"}),
    ([party("driver", None)], None, {}, {}, {"vehicle": "浙D12345"}),
    # the enterprise entered for the case wins over the registry's
    ([party("enterprise", OTHER)], CODE, {}, {}, {"vehicle": "浙D12345", "enterprise": OTHER}),
    ([party("enterprise", OTHER.lower())], None, {}, {}, {"vehicle": "浙D12345", "enterprise": OTHER}),
    # a source: its registered code in the licence field, else the one source of its unit, else the unit
    ([party("source", CODE, "SX-SRC-001")], None, {"SX-SRC-001": "SX-SRC-001"}, {CODE: ["SX-SRC-002"]},
     {"vehicle": "浙D12345", "source": "SX-SRC-001"}),
    ([party("source", CODE, "未登记")], None, {}, {CODE: ["SX-SRC-002"]},
     {"vehicle": "浙D12345", "source": "SX-SRC-002"}),
    ([party("source", CODE)], None, {}, {CODE: ["SX-SRC-002", "SX-SRC-003"]},
     {"vehicle": "浙D12345", "source": CODE}),  # two sources of one unit: the unit, not a guess
    ([party("source", None, "未登记")], None, {}, {}, {"vehicle": "浙D12345"}),
    # an owner is not one of the linked parties (the vehicle stands for it)
    ([party("owner", CODE)], None, {}, {}, {"vehicle": "浙D12345"}),
])
def test_links(parties: list[dict[str, Any]], vehicle_enterprise: str | None, codes: dict[str, str],
               of_unit: dict[str, list[str]], expected: dict[str, str]) -> None:
    assert links("浙D12345", parties, vehicle_enterprise, codes, of_unit) == expected
