"""Reads of personal data in the audit log: one ``personal_data.read`` entry each time a user is shown a party's
name, identity number, phone or address unmasked (domain/parties.py: officers, legal reviewers and leaders
see them; the other roles see them masked, and such a read writes nothing).

The entry names who (``actor``, user name, role, address), the subject (``case:12``, ``party:vehicle:浙D12345``,
``party:driver:330602********1234``, ``registry:driver``, ``sanctions``), the channel (``api``, ``console``,
``export`` for files: case documents, the transfer package, a party's statement) and what was shown
(``shown``: the parties' roles, a driver by the masked number). The log keeps no personal data in full: it is
append-only and chained, so what is written there can never be erased.

Fail closed: the entry is written, in a transaction of its own, after the data was read and before it is
sent. If it cannot be written the read is refused (503 ``audit_unavailable``) and nothing personal leaves.
What was shown is worked out defensively (missing keys count as nothing shown), so odd data never fails
a read that would otherwise be answered.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from zhichao.domain.parties import DRIVER, FULL_VIEW_ROLES, OWNER, masked
from zhichao.services.errors import ServiceError
from zhichao.services.ports import User

READ_ACTION = "personal_data.read"
CHANNELS = frozenset({"api", "console", "export"})
PERSONAL_FIELDS = ("name", "id_number", "phone", "address")
log = logging.getLogger(__name__)


class ReadLog(Protocol):
    def record(self, *, at: datetime, actor: str, origin: str, action: str, subject: str,
               details: Mapping[str, Any]) -> None: ...


class AuditUnavailable(ServiceError):
    status = 503


def log_read(audit: ReadLog, user: User, *, channel: str, subject: str, shown: Sequence[str], now: datetime,
             origin: str) -> None:
    """Append ``personal_data.read`` on ``subject`` when ``shown`` names anything; nothing otherwise. Raises
    ``AuditUnavailable`` when the entry cannot be written: the caller must then not send the data."""
    if not shown:
        return
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    details = {"channel": channel, "username": user.username, "role": user.role, "shown": list(shown)}
    try:
        audit.record(at=now, actor=f"user:{user.id}", origin=origin, action=READ_ACTION, subject=subject,
                     details=details)
    except Exception as exc:  # whatever the database says: the read must not go out unlogged
        log.exception("personal data read not logged; refused", extra={"subject": subject, "channel": channel})
        raise AuditUnavailable("audit_unavailable", "审计日志暂时无法写入，个人信息未显示，请稍后再试") from exc


def driver_ref(id_number: object) -> str:
    """A driver as the audit log names one: by the number masked as other roles see it."""
    return "driver:" + str(masked({"role": DRIVER, "id_number": str(id_number or "")}, "audit")["id_number"])


def subject_of_party(kind: str, key: str) -> str:
    return f"party:{DRIVER}:{driver_ref(key).removeprefix('driver:')}" if kind == DRIVER else f"party:{kind}:{key}"


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _reveals(party: Mapping[str, Any]) -> bool:
    """Whether showing ``party`` whole shows more than other roles see: what masking would change (a unit's
    name and credit code are public; its phone and address are not)."""
    view = masked(party, "audit")
    return any(party.get(f) and view.get(f) != party.get(f) for f in PERSONAL_FIELDS)


def _owner_revealed(vehicle: Mapping[str, Any] | None) -> bool:
    """A vehicle's registry row (``owner_name``, ``owner_id``) or a page's owner (``name``, ``id_number``)."""
    if not vehicle:
        return False
    name, number = vehicle.get("owner_name", vehicle.get("name")), vehicle.get("owner_id", vehicle.get("id_number"))
    return _reveals({"role": OWNER, "name": name, "id_number": number})


def case_file_shown(parties: Sequence[Mapping[str, Any]], viewer_role: str) -> list[str]:
    """The roles of the case's parties shown unmasked (``services.cases.case_detail``'s ``parties``)."""
    if viewer_role not in FULL_VIEW_ROLES:
        return []
    return _unique(str(p.get("role")) for p in parties if not p.get("masked") and _reveals(p))


def sanctions_shown(views: Sequence[Mapping[str, Any]], viewer_role: str) -> list[str]:
    """The drivers among these sanctions (their key is an identity number): a person named in full."""
    if viewer_role not in FULL_VIEW_ROLES:
        return []
    return _unique(driver_ref(v.get("party_key")) for v in views if v.get("party_kind") == DRIVER)


def registry_shown(kind: str, rows: Sequence[Mapping[str, Any]], viewer_role: str) -> list[str]:
    """The people among these registry rows: every driver, and each vehicle's owner who is not a unit (by the
    plate)."""
    if viewer_role not in FULL_VIEW_ROLES:
        return []
    if kind == DRIVER:
        return _unique(driver_ref(r.get("id_number")) for r in rows)
    if kind != "vehicle":  # enterprises and freight sources are units, named publicly
        return []
    return _unique(f"{OWNER}:{r.get('plate')}" for r in rows if _owner_revealed(r))


def party_page_shown(page: Mapping[str, Any], viewer_role: str, *, fleet_owners: bool = True) -> list[str]:
    """What of a party's page (``services.four_parties.party_page``) is a person's data: a driver's page itself;
    of a vehicle, its owner and its drivers; of an enterprise, its vehicles' owners (``fleet_owners``: the API
    returns them, the console's fleet table does not show them); and drivers' sanctions."""
    if viewer_role not in FULL_VIEW_ROLES:
        return []
    kind, entry = page.get("kind"), page.get("entry")
    shown: list[str] = []
    if kind == DRIVER:
        shown.append(driver_ref(page.get("key")))
    elif kind == "vehicle" and _owner_revealed(entry):
        shown.append(OWNER)
    parties = page.get("parties") or {}
    if any(_owner_revealed(p) for p in parties.get(OWNER) or ()):
        shown.append(OWNER)
    shown += [driver_ref(p.get("key")) for p in parties.get(DRIVER) or ()]
    if fleet_owners:
        shown += [f"{OWNER}:{v.get('plate')}" for v in page.get("fleet") or ()
                  if _owner_revealed(v)]
    shown += sanctions_shown(page.get("sanctions") or (), viewer_role)
    return _unique(shown)
