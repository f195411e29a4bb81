"""Files added to a case: the party's written statement and defence (陈述申辩书, 行政处罚法 Art. 45), uploaded
by an officer or a leader for the party from the console, or by the owner from the self-service page.

The file is checked by its own bytes (``domain.attachments``) before anything is stored. The bytes go to
the evidence store under their SHA-256 before the transaction (content-addressed and write-once, so a
rolled-back upload leaves at most an unreferenced copy); the ``case_attachments`` row, the case event
``statement_file`` (the state does not move) and the audit entry ``case.statement_file`` commit together.
A final case takes no statement (``case_final``) and nothing is stored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from zhichao.domain.attachments import STATEMENT, AttachmentFacts, check_attachment
from zhichao.domain.cases import FINAL_STATES, STATE_LABELS
from zhichao.services.cases import CaseContext, CaseTransaction
from zhichao.services.errors import Conflict, NotFound, PermissionDenied

STATEMENT_FILE = "statement_file"
# Officers and leaders upload for the party (a statement handed in on paper, scanned); the owner for themself.
UPLOADER_ROLES = frozenset({"officer", "leader", "owner"})


def _final(case: dict[str, Any]) -> Conflict:
    return Conflict("case_final", f"案件已办结（{STATE_LABELS[case['state']]}），不再接收陈述申辩")


def open_case(ctx: CaseContext, case_id: int) -> dict[str, Any]:
    """The case, if it still takes statements (404 ``case_not_found``, 409 ``case_final``)."""
    case = ctx.repo.case(case_id)
    if case is None:
        raise NotFound("case_not_found", f"案件 {case_id} 不存在")
    if case["state"] in FINAL_STATES:
        raise _final(case)
    return case


def store_file(ctx: CaseContext, filename: str, data: bytes) -> AttachmentFacts:
    """Check the file and put its bytes in the evidence store (before the transaction that lists it)."""
    facts = check_attachment(filename, data)
    if ctx.store is None:
        raise RuntimeError("CaseContext.store is not wired (bootstrap.case_context)")
    ctx.store.put(facts.sha256, data, facts.content_type)
    return facts


def record_statement_file(tx: CaseTransaction, case_id: int, facts: AttachmentFacts, *, uploader: str,
                          actor_id: int, role: str, now: datetime, origin: str) -> dict[str, Any]:
    """In the caller's transaction: the row, the event and the audit entry of a stored file."""
    current = tx.case(case_id)
    if current is None:
        raise NotFound("case_not_found", f"案件 {case_id} 不存在")
    if current["state"] in FINAL_STATES:  # it may have closed since it was read
        raise _final(current)
    row = {"case_id": case_id, "kind": STATEMENT, "filename": facts.filename, "content_type": facts.content_type,
           "sha256": facts.sha256, "size": facts.size, "uploaded_at": now, "uploaded_by": uploader}
    attachment_id = tx.add_attachment(row)
    tx.add_event({"case_id": case_id, "at": now, "actor_id": actor_id, "role": role, "action": STATEMENT_FILE,
                  "from_state": current["state"], "to_state": current["state"], "reason": None,
                  "note": facts.filename})
    tx.audit(at=now, actor=uploader, origin=origin, action=f"case.{STATEMENT_FILE}", subject=f"case:{case_id}",
             details={"attachment": attachment_id, "filename": facts.filename, "content_type": facts.content_type,
                      "sha256": facts.sha256, "size": facts.size})
    return {"id": attachment_id, **row}


def attach_statement(ctx: CaseContext, case_id: int, filename: str, data: bytes, *, uploader: str, actor_id: int,
                     role: str, now: datetime, origin: str) -> dict[str, Any]:
    """Add the party's written statement and defence to the case; answers the stored row.

    ``uploader`` is ``user:<id>`` or ``owner``; ``actor_id`` and ``role`` go into the case's trail.
    Refusals (``role_not_allowed``, ``case_not_found``, ``case_final`` and the file's own:
    ``empty_file``, ``too_large``, ``invalid_filename``, ``unsupported_type``) store nothing.
    """
    if role not in UPLOADER_ROLES:
        raise PermissionDenied("role_not_allowed",
                               "该角色无权上传陈述申辩书（由执法员或领导代为上传，或由当事人自助上传）")
    open_case(ctx, case_id)
    facts = store_file(ctx, filename, data)
    with ctx.repo.transaction() as tx:
        return record_statement_file(tx, case_id, facts, uploader=uploader, actor_id=actor_id, role=role, now=now,
                                     origin=origin)


def attachment_of(ctx: CaseContext, case_id: int, attachment_id: int) -> tuple[dict[str, Any], bytes]:
    """One attachment of the case and its bytes (404 ``attachment_not_found`` for another case's)."""
    found = ctx.repo.attachment(attachment_id)
    if found is None or found["case_id"] != case_id or ctx.store is None:
        raise NotFound("attachment_not_found", f"案件 {case_id} 没有编号为 {attachment_id} 的附件")
    return found, ctx.store.get(found["sha256"])
