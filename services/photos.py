"""Photos for inspections and hazards: checked to be an image (by its bytes, not its name), under
the size limit, stored content-addressed under the data folder. The uploaded file name is kept
as text only and never reaches the file system."""
from __future__ import annotations


from sqlalchemy.orm import Session

from db.models.safety import Photo
from services import files, settings
from services.access import Actor
from services.errors import NotFound, ValidationError

SIGNATURES = ((b"\xff\xd8\xff", "image/jpeg", "jpg"), (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
              (b"GIF87a", "image/gif", "gif"), (b"GIF89a", "image/gif", "gif"))


def sniff(data: bytes) -> tuple[str, str] | None:
    for magic, content_type, ext in SIGNATURES:
        if data.startswith(magic):
            return content_type, ext
    if len(data) > 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


def save_photo(session: Session, actor: Actor, data: bytes, original_name: str | None,
               community_id: int | None) -> Photo:
    limit_mb = float(settings.get(session, "photo.max_mb"))
    if not data:
        raise ValidationError({"photo": "err.photo_empty"})
    if len(data) > limit_mb * 1024 * 1024:
        raise ValidationError({"photo": "err.photo_too_big"}, limit=limit_mb)
    kind = sniff(data)
    if kind is None:
        raise ValidationError({"photo": "err.photo_not_image"})
    content_type, ext = kind
    sha = files.store("photos", data, ext)
    photo = Photo(community_id=community_id, sha256=sha, content_type=content_type, size=len(data),
                  original_name=(original_name or "")[:200] or None, created_by=actor.username)
    session.add(photo)
    session.flush()
    return photo


def read_photo(session: Session, photo_id: int) -> tuple[bytes, str]:
    photo = session.get(Photo, photo_id)
    if photo is None:
        raise NotFound(id=photo_id)
    ext = {v[1]: v[2] for v in SIGNATURES}.get(photo.content_type, "webp")
    path = files.path_of("photos", photo.sha256, ext)
    if not path.exists():
        raise NotFound(id=photo_id)
    return path.read_bytes(), photo.content_type


