"""Parties imported from a register's export (vehicle-owner, driver, enterprise or freight-source lists):
a UTF-8 CSV with the columns ``plate, role, name`` and optionally ``id_number, phone, address, licence``.

Each row fills that role on every open case of the plate, marked ``source = register``; what an officer
entered is never overwritten by an import. The file is checked whole first: one bad row stores nothing,
and the error names the row and the field.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from zhichao.domain.parties import InvalidParty, checked_party
from zhichao.domain.plates import normalize_plate
from zhichao.services.cases import CaseContext
from zhichao.services.errors import InvalidInput, PermissionDenied
from zhichao.services.ports import User

REQUIRED_COLUMNS = ("plate", "role", "name")
MAX_ROWS = 50_000


def _rows(text: str) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput("missing_columns", f"CSV 缺少列：{'、'.join(missing)}", {"missing": missing})
    rows = list(reader)
    if len(rows) > MAX_ROWS:
        raise InvalidInput("too_many_rows", f"一次最多导入 {MAX_ROWS} 行（收到 {len(rows)} 行）")
    return rows


def checked_rows(text: str) -> list[tuple[str, str, dict[str, str | None]]]:
    """(plate, role, party) per row; ``invalid_rows`` with every wrong row and field otherwise."""
    errors: list[dict[str, Any]] = []
    out = []
    for number, raw in enumerate(_rows(text), start=2):  # line 1 is the header
        plate = normalize_plate(str(raw.get("plate") or "")).text
        if not plate:
            errors.append({"row": number, "field": "plate", "message": "号牌号码不能为空"})
            continue
        role = str(raw.get("role") or "").strip()
        try:
            out.append((plate, role, checked_party(role, {k: v for k, v in raw.items() if k != "role"})))
        except InvalidParty as exc:
            errors.append({"row": number, "field": exc.field, "message": exc.message})
    if errors:
        raise InvalidInput("invalid_rows", f"{len(errors)} 行有误，未导入任何数据", errors[:100])
    return out


def import_parties(ctx: CaseContext, user: User, text: str, *, now: datetime, origin: str) -> dict[str, int]:
    """Fill the parties of open cases from the file; returns how many case parties were set or skipped."""
    if user.role not in ("officer", "leader", "admin"):
        raise PermissionDenied("role_not_allowed", f"该角色（{user.role}）无权导入当事人")
    rows = checked_rows(text)
    set_count = kept = 0
    with ctx.repo.transaction() as tx:
        cases = tx.open_cases_for(sorted({plate for plate, _, _ in rows}))
        sources = tx.party_sources([case_id for ids in cases.values() for case_id in ids])
        for plate, role, party in rows:
            for case_id in cases.get(plate, []):
                if sources.get((case_id, role)) == "officer":
                    kept += 1
                    continue
                tx.set_party(case_id, role, {**party, "source": "register", "updated_at": now, "updated_by": user.id})
                set_count += 1
        tx.audit(at=now, actor=f"user:{user.id}", origin=origin, action="case.party_import", subject="cases",
                 details={"rows": len(rows), "set": set_count, "kept_officer_entries": kept})
    return {"rows": len(rows), "set": set_count, "kept": kept}
