"""Verify: an author's edited files of a prompt, validated, queued, run by a worker.

A check validates the posted files on an overlay of the content (the live
library with the posted files written over them, ``app.content.overlay``) as
``load_content`` would, keeping the errors of the prompt and its rubric,
stores a ``content_checks`` row and queues a job once its transaction commits.
The worker (``execute_check``) builds the same overlay again and runs
``app.checks.verify`` on it. One check at a time per
person: a second one while the first is queued or running is refused.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.checks.verify import verifiable, verify
from app.content.bundle import name_problem
from app.content.model import Content, Problem
from app.content.overlay import PathClash, load_overlaid
from app.content.parse import is_slug
from app.db import queue_after_commit, transaction, utcnow
from app.errors import Conflict, Invalid, NotFound
from app.grading.runner.sandbox import Limits, SandboxUnavailable
from app.kinds import get_kind
from app.models import CheckStatus, ContentCheck, Role, User

TASK = "run_check"  # the queue's name for a check's job (registered by app.checks.jobs)
MAX_FILES = 60
# Longer than any check takes (six sandboxed runs at the run time limit, in a queue).
STALE_AFTER = timedelta(minutes=15)
MAX_TOTAL_CHARS = 2_000_000


class CheckInvalid(Invalid):
    """The posted files do not pass the content checks; nothing was queued."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"the files have {len(problems)} error(s); nothing was run")
        self.problems = problems


def _folder_of(slug: str, path: str) -> bool:
    """Whether content-root ``path`` belongs to prompt ``slug`` or is a rubric."""
    return path.startswith(f"prompts/{slug}/") or path == f"prompts/{slug}.md" \
        or path.startswith("rubrics/") and path.count("/") == 1


def check_files(slug: str, files: dict[str, str]) -> dict[str, str]:
    """The posted files, refused unless each is a safe path of this prompt or a rubric."""
    # Checked before any path is built from it: the overlay copies prompts/<slug>.
    if not is_slug(slug):
        raise Invalid("The prompt's slug must be lowercase letters, digits and hyphens.")
    if not files:
        raise Invalid("No files were sent to verify.")
    if len(files) > MAX_FILES or sum(len(t) for t in files.values()) > MAX_TOTAL_CHARS:
        raise Invalid(f"Too many files to verify at once (at most {MAX_FILES}, "
                      f"{MAX_TOTAL_CHARS:,} characters in all).")
    for path in files:
        problem = name_problem(path)
        if problem or not _folder_of(slug, path):
            raise Invalid(f"{path}: {problem or f'not a file of prompt {slug} or a rubric'}")
    return files


def _overlaid(root: Path, files: dict[str, str]) -> Content:
    try:
        return load_overlaid(root, files)
    except PathClash as clash:
        raise Invalid(str(clash)) from None


def _errors(loaded: Content, slug: str, files: dict[str, str]) -> list[Problem]:
    """The errors of prompt ``slug``, its rubric and the posted files; the rest of the
    library is there for reference, and a broken prompt elsewhere is not this one's."""
    prompt = loaded.prompts.get(slug)
    rubric_path = f"rubrics/{prompt.rubric}.md" if prompt else None
    return [p for p in loaded.errors
            if p.path.startswith((f"prompts/{slug}/", f"prompts/{slug}.md"))
            or p.path == rubric_path or p.path in files]


def create_check(session: Session, user: User, *, slug: str, files: dict[str, str],
                 root: Path, now: datetime | None = None) -> ContentCheck:
    """Validate the posted files of ``slug`` and queue a check of them."""
    now = now or utcnow()
    check_files(slug, files)
    loaded = _overlaid(root, files)
    prompt = loaded.prompts.get(slug)
    errors = _errors(loaded, slug, files)
    if errors:
        raise CheckInvalid(errors)
    if prompt is None:
        raise Invalid(f"There is no prompt {slug} to verify.")
    kind = get_kind(prompt.kind)
    if not verifiable(kind):
        raise Invalid(f"Verify runs prompts with tests, planted findings or evidence to "
                      f"check; {slug} is a {kind.label.lower()} prompt: nothing to run.")
    with transaction(session):
        # A check a dead worker left unfinished stops blocking its owner after a while.
        busy = session.scalar(select(ContentCheck.id).where(
            ContentCheck.user_id == user.id,
            ContentCheck.status.in_((CheckStatus.QUEUED, CheckStatus.RUNNING)),
            ContentCheck.created_at > now - STALE_AFTER).limit(1))
        if busy is not None:
            raise Conflict("A check of yours is still running; wait for its results first.")
        check = ContentCheck(user_id=user.id, prompt_slug=slug, kind=prompt.kind, files=files,
                             created_at=now)
        session.add(check)
        session.flush()
        check_id = check.id
        queue_after_commit(session, lambda queue: queue.enqueue(TASK, check_id))
    return check


def get_check(session: Session, user: User, check_id: int) -> ContentCheck:
    """A check, for the person who asked for it or an admin; NotFound for anyone else."""
    check = session.get(ContentCheck, check_id)
    if check is None or check.user_id != user.id and not user.has_role(Role.ADMIN):
        raise NotFound("No such check.")
    return check


def execute_check(session: Session, check_id: int, *, root: Path, limits: Limits | None = None,
                  unsafe: bool = False) -> ContentCheck | None:
    """Run a queued check (the worker's job); None if another worker took it first."""
    with transaction(session):
        claimed = session.execute(
            update(ContentCheck).where(ContentCheck.id == check_id,
                                       ContentCheck.status == CheckStatus.QUEUED)
            .values(status=CheckStatus.RUNNING)).rowcount
    if not claimed:
        return None
    check = session.get(ContentCheck, check_id)
    status, results, detail = CheckStatus.FAILED, [], ""
    try:
        files = dict(check.files)
        loaded = _overlaid(root, files)
        prompt = loaded.prompts.get(check.prompt_slug)
        if prompt is None or _errors(loaded, check.prompt_slug, files):
            detail = "the files no longer pass the content checks; verify them again"
        else:
            found, detail = verify(prompt, loaded.rubrics.get(prompt.rubric),
                                   limits=limits, unsafe=unsafe)
            results = [r.as_json() for r in found]
            status = CheckStatus.DONE
    except SandboxUnavailable as error:
        detail = f"the sandbox is unavailable: {error}"
    except Exception as error:  # a job must end its row whatever went wrong
        detail = f"the check could not run: {error.__class__.__name__}"
    with transaction(session):
        check.status, check.results, check.detail = status, results, detail
        check.finished_at = utcnow()
    return check


def as_json(check: ContentCheck) -> dict:
    """What the Verify button's script reads."""
    return {"id": check.id, "slug": check.prompt_slug, "kind": check.kind,
            "status": check.status.value, "finished": check.finished,
            "summary": check.detail,
            # Paths as the editor names its fields: relative to the content root.
            "results": [{**r, "path": f"prompts/{check.prompt_slug}/{r['file']}"}
                        for r in check.results]}
