"""Which registry entries a case is about (一超四罚): its vehicle, driver, enterprise and freight source; pure.

A case is linked to each party by the key the registries use (domain/registries.py): the vehicle by its
normalised plate; the driver by the resident identity number entered for the case's driver; the
enterprise by the credit code entered for it or, when none was entered, the enterprise the vehicle
registry names; the freight source by its source code, found from the source unit entered for the case
(its licence field holding the code, or its credit code naming one registered source), else by the
unit's credit code itself; when no source unit was entered, by the source the truck was traced to (its
last departure from a source's scale before the weighing, itself over the limit: the source let an
overloaded truck leave). A party without a usable key is not linked: nothing is guessed from names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from zhichao.domain.parties import DRIVER, ENTERPRISE, SOURCE, is_credit_code, is_resident_id
from zhichao.domain.sanctions import VEHICLE


def links(plate: str, parties: Sequence[Mapping[str, Any]], vehicle_enterprise: str | None,
          source_codes: Mapping[str, str], sources_of_unit: Mapping[str, Sequence[str]],
          traced_source: str | None = None) -> dict[str, str]:
    """The case's links as ``{kind: key}``.

    ``parties`` are the case's party rows (role, id_number, licence); ``vehicle_enterprise`` the vehicle
    registry's enterprise code for the plate; ``source_codes`` the registered source codes among the
    parties' licence fields (code → code); ``sources_of_unit`` the registered source codes by unit
    credit code; ``traced_source`` the source an overloaded departure traces the truck to.
    """
    by_role = {p["role"]: p for p in parties}
    out = {VEHICLE: plate} if plate else {}
    driver = _number(by_role.get(DRIVER))
    if driver and is_resident_id(driver):
        out[DRIVER] = driver
    enterprise = _number(by_role.get(ENTERPRISE))
    if enterprise and is_credit_code(enterprise):
        out[ENTERPRISE] = enterprise
    elif vehicle_enterprise:
        out[ENTERPRISE] = vehicle_enterprise
    source = by_role.get(SOURCE)
    if source is not None:
        licence = str(source.get("licence") or "").strip()
        unit = _number(source)
        candidates = sources_of_unit.get(unit or "", ())
        if licence in source_codes:
            out[SOURCE] = licence
        elif len(candidates) == 1:
            out[SOURCE] = candidates[0]
        elif unit and is_credit_code(unit):
            out[SOURCE] = unit
    if SOURCE not in out and traced_source:
        out[SOURCE] = traced_source
    return out


def _number(party: Mapping[str, Any] | None) -> str | None:
    if party is None:
        return None
    return str(party.get("id_number") or "").strip().upper() or None
