"""Files attached to records (an emergency plan's PDF or Word document): checked to be what it
claims by its bytes — a PDF, a Word 2007+ .docx (a zip holding word/document.xml) or a legacy .doc
(an OLE compound file) — under the size limit, stored content-addressed under the data folder
(``data/attachments``). The uploaded name is kept as text only and never reaches the file system;
a file is read only through the record it belongs to, so the record's scope is its scope."""
from __future__ import annotations

import io
import zipfile

from sqlalchemy.orm import Session

from db.models.drills import PLAN, Attachment, EmergencyPlan
from services import audit, files, ledgers, settings
from services.access import Actor
from services.errors import NotFound, PermissionDenied, StaleEdit, ValidationError

KINDS = {"pdf": "application/pdf",
         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "doc": "application/msword"}
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff(data: bytes) -> str | None:
    """"pdf", "docx" or "doc" from the file's bytes, else None (whatever its name says)."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(OLE):
        return "doc"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                if "word/document.xml" in z.namelist():
                    return "docx"
        except zipfile.BadZipFile:
            return None
    return None


def save(session: Session, actor: Actor, data: bytes, original_name: str | None, community_id: int | None) -> Attachment:
    limit_mb = float(settings.get(session, "attachment.max_mb"))
    if not data:
        raise ValidationError({"file": "err.file_empty"})
    if len(data) > limit_mb * 1024 * 1024:
        raise ValidationError({"file": "err.file_too_big"}, limit=limit_mb)
    kind = sniff(data)
    if kind is None:
        raise ValidationError({"file": "err.file_not_document"})
    sha = files.store("attachments", data, kind)
    row = Attachment(community_id=community_id, sha256=sha, content_type=KINDS[kind], size=len(data),
                     original_name=(original_name or "")[:200] or None, created_by=actor.username)
    session.add(row)
    session.flush()
    return row


def attach_to_plan(session: Session, actor: Actor, plan_id: int, data: bytes, original_name: str | None,
                   expected_version: int) -> EmergencyPlan:
    """The plan's document (replacing an earlier one): the plan's editors, on its current version,
    refused if someone changed the plan since it was shown."""
    if not ledgers.may(actor, PLAN, "edit"):
        raise PermissionDenied()
    plan = ledgers.get(session, actor, PLAN, plan_id)
    if plan.status != "current":
        raise PermissionDenied("plan.locked_superseded")
    if plan.version != expected_version:
        raise StaleEdit()
    file = save(session, actor, data, original_name, plan.community_id)
    before = audit.snapshot(plan)
    plan.attachment_id = file.id
    plan.updated_by = actor.username
    session.flush()
    audit.record(session, actor, "update", PLAN.table_name, plan.id, before, audit.snapshot(plan),
                 community_id=plan.community_id)
    return plan


def of_plan(session: Session, actor: Actor, plan_id: int) -> tuple[bytes, str, str] | None:
    """(bytes, content type, a download name) of the plan's document, or None; the plan in the
    actor's scope or NotFound."""
    plan = ledgers.get(session, actor, PLAN, plan_id)
    if plan.attachment_id is None:
        return None
    row = session.get(Attachment, plan.attachment_id)
    ext = next(k for k, v in KINDS.items() if v == row.content_type)
    path = files.path_of("attachments", row.sha256, ext)
    if not path.exists():
        raise NotFound(id=plan_id)
    return path.read_bytes(), row.content_type, f"{plan.title}-v{plan.revision}.{ext}"
