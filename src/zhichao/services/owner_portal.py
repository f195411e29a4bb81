"""The owner's self-service (行政处罚法 Art. 41: the party can see the evidence): with the plate and the
code printed on the notice, an owner sees the record, the photos and the documents sent to them, and may
submit a statement — typed, as a file (陈述申辩书, PDF, JPG or PNG), or both — which lands in the case's
trail and is raised to the officer in charge.

Nothing here needs a login; what protects a case is the 8-character code (32⁸ combinations) and the
rate limit the web layer puts on every look-up. A wrong plate or code says only "not found".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from zhichao.domain.cases import FINAL_STATES, STATE_LABELS
from zhichao.domain.plates import normalize_plate
from zhichao.services import case_attachments
from zhichao.services.cases import CaseContext
from zhichao.services.errors import Conflict, InvalidInput, NotFound
from zhichao.services.ports import RecordReader

# The documents addressed to the party; the transfer letter goes to another authority.
OWNER_DOCUMENTS = frozenset({"notice", "pre_decision", "decision", "education", "reminder"})
MAX_STATEMENT_CHARS = 2000


def _case_for(ctx: CaseContext, plate: str, code: str) -> dict[str, Any]:
    normal = normalize_plate(plate or "").text
    code = (code or "").strip().upper()
    if not normal or not code:
        raise InvalidInput("owner_lookup_incomplete", "请填写号牌号码和通知书上的查询码")
    found = ctx.repo.by_notice_code(normal, code)
    if found is None:
        raise NotFound("owner_case_not_found", "未找到对应的案件，请核对号牌号码和查询码")
    return found


def lookup(ctx: CaseContext, records: RecordReader, plate: str, code: str) -> dict[str, Any]:
    """What the owner may see of the case: the weighing, its photos, its state and the documents."""
    case = _case_for(ctx, plate, code)
    record = records.one(case["station_id"], case["record_id"]) or {}
    documents = [d for d in ctx.repo.documents(case["id"]) if d["kind"] in OWNER_DOCUMENTS]
    return {
        "case": {"id": case["id"], "plate": case["plate"], "state": case["state"],
                 "state_label": STATE_LABELS[case["state"]], "station_name": case.get("station_name"),
                 "captured_at": case["captured_at"], "fine_yuan": case["fine_yuan"],
                 "late_fee_yuan": case["late_fee_yuan"], "paid_yuan": case["paid_yuan"]},
        "record": {key: record.get(key) for key in ("axle_count", "axle_weights_kg", "gross_weight_kg", "speed_kmh",
                                                    "lane", "direction", "verdict")},
        "images": [{"kind": i["kind"], "sha256": i["sha256"]} for i in record.get("images") or []],
        "documents": [{"id": d["id"], "kind": d["kind"], "number": d["number"]} for d in documents],
        "accepts_statement": case["state"] not in FINAL_STATES,
    }


def document_for_owner(ctx: CaseContext, plate: str, code: str, document_id: int) -> dict[str, Any]:
    case = _case_for(ctx, plate, code)
    document = ctx.repo.document(document_id)
    if document is None or document["case_id"] != case["id"] or document["kind"] not in OWNER_DOCUMENTS:
        raise NotFound("document_not_found", "未找到该文书")
    return document


def image_for_owner(ctx: CaseContext, records: RecordReader, plate: str, code: str, sha256: str) -> None:
    """Raise unless ``sha256`` is one of the photos of the owner's case."""
    case = _case_for(ctx, plate, code)
    record = records.one(case["station_id"], case["record_id"]) or {}
    if sha256 not in {i["sha256"] for i in record.get("images") or []}:
        raise NotFound("evidence_not_found", "未找到该照片")


def submit_statement(ctx: CaseContext, plate: str, code: str, text: str, *, now: datetime, origin: str,
                     recipient: str, file: tuple[str, bytes] | None = None) -> dict[str, Any]:
    """Store the owner's statement and defence in the case's trail and raise it to the officers.

    ``text``, ``file`` (name and bytes of the written statement) or both; all of it commits or none.
    """
    case = _case_for(ctx, plate, code)
    statement = (text or "").strip()
    if not statement and file is None:
        raise InvalidInput("statement_empty", "陈述申辩内容不能为空：请填写陈述申辩，或上传陈述申辩书")
    if len(statement) > MAX_STATEMENT_CHARS:
        raise InvalidInput("statement_too_long",
                           f"陈述申辩内容最多 {MAX_STATEMENT_CHARS} 字（现为 {len(statement)} 字）")
    if case["state"] in FINAL_STATES:
        raise Conflict("case_final", f"案件已办结（{STATE_LABELS[case['state']]}），不再接收陈述申辩")
    facts = case_attachments.store_file(ctx, *file) if file is not None else None
    lines = [f"- 案件：{case['id']}（{case['plate']}）"]
    attachment = None
    with ctx.repo.transaction() as tx:
        if statement:
            tx.add_event({"case_id": case["id"], "at": now, "actor_id": 0, "role": "owner",
                          "action": "owner_statement", "from_state": case["state"], "to_state": case["state"],
                          "reason": None, "note": statement})
            tx.audit(at=now, actor="owner", origin=origin, action="case.owner_statement",
                     subject=f"case:{case['id']}", details={"chars": len(statement)})
            lines.append(f"- 字数：{len(statement)}")
        if facts is not None:
            attachment = case_attachments.record_statement_file(tx, case["id"], facts, uploader="owner", actor_id=0,
                                                                role="owner", now=now, origin=origin)["id"]
            lines.append(f"- 陈述申辩书：{facts.filename}（{max(1, round(facts.size / 1024))} KB）")
        body = "### 当事人提交了陈述申辩\n\n" + "\n".join(lines)
        tx.enqueue(channel="dingtalk", recipient=recipient, subject=f"【当事人陈述】{case['plate']}", body=body,
                   dedupe_key=f"owner_statement:{case['id']}:{now.isoformat()}", now=now,
                   payload={"case_id": case["id"]}, case_id=case["id"])
    return {"id": case["id"], "received_at": now, "attachment": attachment}
