"""How sanctions (处罚建议 and the serious dishonesty list) are shown: one row each, every cell formatted, the
party named from the registries and masked when it is a person the role may not see in full, and the
decisions a leader may take on it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from zhichao.domain.parties import DRIVER, ENTERPRISE, masked
from zhichao.domain.sanctions import FLEET_SHARE, VEHICLE
from zhichao.services.four_parties import RegistryReader
from zhichao.services.sanctions import CONFIRMED, DECIDERS, LIFTED, PROPOSED
from zhichao.web.console import labels as L
from zhichao.web.console.party_view import party_url, sees_personal

DECISION_LABELS: Mapping[str, str] = {"confirm": "确认公布", "reject": "不予采纳", "lift": "撤出名单"}
Names = Mapping[tuple[str, str], str]


def _party(kind: str, key: str, names: Names, role: str) -> dict[str, Any]:
    name = names.get((kind, key), "")
    shown_key, href = key, party_url(kind, key)
    if kind == DRIVER and not sees_personal(role):
        view = masked({"role": DRIVER, "name": name, "id_number": key}, role)
        name, shown_key, href = view["name"], view["id_number"], ""
    return {"kind": L.label(L.SANCTION_PARTIES, kind), "key": shown_key, "name": name, "href": href,
            "plate": kind == VEHICLE}


def _count(s: Mapping[str, Any]) -> tuple[str, str]:
    """What was counted and what it had to exceed, in words."""
    if s["party_kind"] == ENTERPRISE and s.get("fleet"):
        share = s["count"] * 100 / s["fleet"]
        return f"{s['count']} 辆 / 车队 {s['fleet']} 辆（{share:.1f}%）", f"须超过车队的 {FLEET_SHARE * 100:g}%"
    return f"{s['count']} 次", f"须超过 {s['threshold']:g} 次"


def _period(s: Mapping[str, Any]) -> str:
    """The entry's publication: two years from its confirmation, or until a leader lifted it."""
    if s["state"] == LIFTED and s.get("confirmed_on"):
        return f"{s['confirmed_on']} 起，{s.get('lifted_on') or ''} 撤出"
    if s.get("confirmed_on") and s.get("listed_until"):
        return f"{s['confirmed_on']} 至 {s['listed_until']}"
    return L.NOTHING


def actions(s: Mapping[str, Any], role: str) -> list[dict[str, Any]]:
    """The decisions ``role`` may take on this sanction: a leader confirms or rejects a proposal, and lifts
    a published entry; rejecting and lifting need a reason."""
    if role not in DECIDERS:
        return []
    if s["state"] == PROPOSED:
        codes = ["confirm", "reject"]
    elif s["state"] == CONFIRMED and s.get("listed"):
        codes = ["lift"]
    else:
        codes = []
    return [{"code": c, "label": DECISION_LABELS[c], "needs_reason": c != "confirm"} for c in codes]


def sanction_row(s: Mapping[str, Any], names: Names, role: str, can_open: bool = False) -> dict[str, Any]:
    """One sanction (``services.sanctions.view``) as the table shows it."""
    count, threshold = _count(s)
    remark = f"理由：{s.get('lift_reason') or ''}" if s["state"] == LIFTED else str(s.get("note") or "")
    cases = sorted(s.get("case_ids") or ())
    return {
        "id": s["id"], "party": _party(s["party_kind"], s["party_key"], names, role), "rule": s["rule_label"],
        "count": count, "threshold": threshold, "window": f"{s['window_from']} 至 {s['judged_on']}",
        "basis": s["basis"], "state_code": "expired" if s["state"] == CONFIRMED and not s["listed"] else s["state"],
        "state": s["state_label"], "period": _period(s), "remark": remark, "cases": len(cases),
        "until": s.get("listed_until") if s["state"] == CONFIRMED else L.NOTHING, "actions": actions(s, role),
        "case_links": [(i, f"/console/cases/{i}") for i in cases] if can_open else [],
    }  # fmt: skip


def rows(sanctions: Sequence[Mapping[str, Any]], names: Names, role: str,
         can_open: bool = False) -> list[dict[str, Any]]:
    """The sanctions' rows; with ``can_open``, each lists its cases linked to their files."""
    return [sanction_row(s, names, role, can_open) for s in sanctions]


def party_names(registries: RegistryReader, sanctions: Sequence[Mapping[str, Any]]) -> dict[tuple[str, str], str]:
    """The registered names of the parties these sanctions name (a vehicle is named by its plate)."""
    wanted: dict[str, set[str]] = {}
    for s in sanctions:
        if s["party_kind"] != VEHICLE:
            wanted.setdefault(s["party_kind"], set()).add(s["party_key"])
    return {(kind, key): str(row.get("name") or "") for kind, keys in wanted.items()
            for key, row in registries.many(kind, sorted(keys)).items()}
