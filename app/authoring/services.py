"""The content workspace: the library as authors see it, editing, checking and saving files.

Content as code stays the source of truth: every page reads the files under
``content_root()`` and the rows ``sync_content`` made from them. Edits are
checked on an overlay (a temporary copy of the content with the edited files
written over it), so the loader's cross-file rules apply; a save writes only
files that check clean, atomically, under the content's writer lock, then
syncs so the new revision exists at once.
"""

from __future__ import annotations

import io
import json
import re
import string
import zipfile
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from app.authoring import files as disk
from app.authoring import preview as previews
from app.authoring.files import PROMPT, RUBRIC, Item
from app.content import bundle
from app.content.model import Problem, Severity
from app.content.overlay import PathClash, load_overlaid
from app.content.parse import is_slug
from app.content.sync import ContentInvalid, sync_content
from app.content.validate import load_content
from app.errors import Conflict, Invalid, NotFound
from app.grading.insight import DISAGREEMENT, ScoredAnswer, rubric_insight, stored_rubric_shape
from app.kinds import get_kind, kind_names
from app.models import (
    Attempt,
    Competency,
    Criterion,
    CriterionScore,
    InterviewItem,
    Prompt,
    PromptRevision,
    Rubric,
    RubricRevision,
    Scorecard,
)
from app.pagination import Page
from app.vocabulary import PromptStatus

PER_PAGE = 50
MAX_SLUG = 80  # the slug columns' size
STATUSES = ("published", "draft", "retired")
TEMPLATES = Path(__file__).parent / "templates_content"
# The code editor's highlighting by file suffix; the suffixes it names as they are follow.
LANGUAGES = {".md": "markdown", ".py": "python"}
SUFFIX_LANGUAGES = frozenset({".sql"})
# The loader's words for a prompt whose rubric has no file (app.content.validate).
MISSING_RUBRIC = re.compile(r"prompt has no rubric: rubrics/([a-z0-9-]+)\.md does not exist")


class ProblemsFound(Invalid):
    """The edited files have errors: nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        errors = [p for p in problems if p.severity is Severity.ERROR]
        super().__init__(f"{len(errors)} error(s) to fix first; nothing was saved")
        self.problems = problems


class ContentReadOnly(Conflict):
    """The content folder is not written from the browser here: download the files."""


# Rubric insight's rewording flag ------------------------------------------------------


@dataclass(frozen=True)
class Rewording:
    """Reviewers disagree on criteria of this rubric's current revision: worth rewording."""

    rubric: str  # the rubric's slug, whose insight page says more
    criteria: tuple[str, ...]  # the criteria they disagree on


def rewording(session: Session, rubric_slugs: Collection[str] | None = None,
              ) -> dict[str, Rewording]:
    """The rubrics (of ``rubric_slugs``, or all) whose current revision rubric insight flags
    for rewording, by slug; one query, however many rubrics and interviews.

    The query reads what the disagreement flag depends on, the levels of
    submitted scorecards of interviews scored on the current revision (as
    ``app.insight.rubrics`` gathers them), and ``rubric_insight`` judges them.
    """
    query = (select(Rubric.slug, RubricRevision.number, RubricRevision.scale, RubricRevision.bar,
                    InterviewItem.attempt_id, Attempt.target_level, Scorecard.reviewer_id,
                    Criterion.name, Criterion.weight, Criterion.gate, CriterionScore.level)
             .select_from(Rubric)
             .join(RubricRevision, RubricRevision.id == Rubric.current_revision_id)
             .join(InterviewItem, InterviewItem.rubric_revision_id == RubricRevision.id)
             .join(Attempt, Attempt.id == InterviewItem.attempt_id)
             .join(CriterionScore, CriterionScore.attempt_id == Attempt.id)
             .join(Criterion, and_(Criterion.id == CriterionScore.criterion_id,
                                   Criterion.rubric_revision_id == RubricRevision.id))
             .join(Scorecard, Scorecard.id == CriterionScore.scorecard_id)
             .where(Scorecard.submitted_at.is_not(None))
             .order_by(Rubric.slug, InterviewItem.interview_id, InterviewItem.position,
                       Scorecard.id, Criterion.position))
    if rubric_slugs is not None:
        query = query.where(Rubric.slug.in_(sorted(rubric_slugs)))
    revisions: dict[str, tuple[int, dict, float | dict]] = {}
    criteria: dict[str, dict[str, tuple]] = {}
    answers: dict[str, dict[int, tuple[str, dict]]] = {}
    for (slug, number, scale, bar, attempt_id, target, reviewer_id, name, weight, gate,
         level) in session.execute(query):
        revisions.setdefault(slug, (number, scale, bar))
        criteria.setdefault(slug, {}).setdefault(name, (name, weight, gate))
        _, levels = answers.setdefault(slug, {}).setdefault(attempt_id, (target, {}))
        levels.setdefault(reviewer_id, {})[name] = level
    flagged: dict[str, Rewording] = {}
    for slug, (number, scale, bar) in revisions.items():
        shape = stored_rubric_shape(number, scale, bar, criteria[slug].values())
        insight = rubric_insight([shape], [
            ScoredAnswer(revision=number, target_level=target, levels=levels)
            for target, levels in answers[slug].values()])
        if insight.reword:
            flagged[slug] = Rewording(slug, tuple(f.criterion for f in insight.flags
                                                  if f.kind == DISAGREEMENT))
    return flagged


# The list ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One prompt or rubric as the workspace lists it."""

    item: Item
    title: str
    kind: str  # a prompt kind's name, or "rubric"
    status: str  # published, draft or retired
    revisions: int
    last_change: datetime | None
    on_disk: bool
    problems: tuple[Problem, ...] = ()
    reword: Rewording | None = None  # its rubric's insight flags it for rewording

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]


@dataclass(frozen=True)
class Library:
    rows: list[Row]
    total: int  # before the filters
    page: Page


def _stored(session: Session) -> dict[Item, tuple]:
    """Per item with a row: title, kind, status, retired, revision count, newest date and
    the slug of the rubric it is scored on (a rubric's own).

    One query for prompts and one for rubrics, whatever the library's size.
    """
    stored: dict[Item, tuple] = {}
    for owner, revision_type, column, kind in (
            (Prompt, PromptRevision, PromptRevision.prompt_id, PROMPT),
            (Rubric, RubricRevision, RubricRevision.rubric_id, RUBRIC)):
        counts = (select(column.label("owner_id"), func.count().label("revisions"),
                         func.max(revision_type.created_at).label("newest"))
                  .group_by(column).subquery())
        current = aliased(revision_type)
        columns = [owner.slug, owner.retired_at, current.title, counts.c.revisions,
                   counts.c.newest]
        if kind == PROMPT:
            columns += [current.kind, current.status, current.rubric_slug]
        rows = session.execute(
            select(*columns)
            .outerjoin(current, owner.current_revision_id == current.id)
            .outerjoin(counts, counts.c.owner_id == owner.id))
        for row in rows:
            prompt_kind, status, rubric = (row[5], row[6], row[7]) if kind == PROMPT else (
                "rubric", "published", row.slug)
            stored[Item(kind, row.slug)] = (row.title, prompt_kind, status, row.retired_at,
                                            row.revisions or 0, row.newest, rubric)
    return stored


def library(session: Session, root: Path, *, kind: str = "", status: str = "",
            query: str = "", page: int = 1) -> Library:
    """Every prompt and rubric, from the rows and the files, with its validation state and
    whether its rubric is worth rewording."""
    content = load_content(root)
    stored = _stored(session)
    flagged = rewording(session)
    on_disk = disk.disk_items(root)
    problems: dict[Item, list[Problem]] = {}
    for problem in content.problems:
        owner = disk.owner_of(problem.path)
        if owner is not None:
            problems.setdefault(owner, []).append(problem)
    rows: list[Row] = []
    for item in sorted(on_disk | set(stored)):
        row = stored.get(item)
        parsed = (content.prompts if item.kind == PROMPT else content.rubrics).get(item.slug)
        present = item in on_disk
        if parsed is not None:
            title = parsed.title
            item_kind = parsed.kind if item.kind == PROMPT else "rubric"
            item_status = parsed.status if item.kind == PROMPT else "published"
        elif row is not None:
            title, item_kind, item_status = row[0] or item.slug, row[1] or "", row[2] or ""
        else:
            # A file that fails to load and was never synced: no candidate can see it.
            title = item.slug
            item_kind = "rubric" if item.kind == RUBRIC else ""
            item_status = PromptStatus.DRAFT.value
        if not present:
            item_status = "retired"  # gone from disk: the sync retired it
        rows.append(Row(item=item, title=title, kind=item_kind, status=item_status,
                        revisions=row[4] if row else 0, last_change=row[5] if row else None,
                        on_disk=present, problems=tuple(sorted(problems.get(item, []))),
                        reword=flagged.get(row[6]) if row else None))
    total = len(rows)
    rows = _filtered(rows, kind=kind, status=status, query=query)
    pages = max(1, -(-len(rows) // PER_PAGE))
    number = min(max(1, page), pages)
    shown = rows[(number - 1) * PER_PAGE: number * PER_PAGE]
    return Library(rows=shown, total=total,
                   page=Page(items=shown, number=number, per_page=PER_PAGE, total=len(rows)))


def _filtered(rows: list[Row], *, kind: str, status: str, query: str) -> list[Row]:
    needle = query.strip().lower()
    if kind:
        rows = [r for r in rows if r.kind == kind]
    if status == "errors":
        rows = [r for r in rows if r.errors]
    elif status:
        rows = [r for r in rows if r.status == status]
    if needle:
        rows = [r for r in rows if needle in r.title.lower() or needle in r.item.slug]
    # Prompts first, then rubrics; in each, by title.
    return sorted(rows, key=lambda r: (r.item.kind != PROMPT, r.title.lower(), r.item.slug))


# The editor --------------------------------------------------------------------------


@dataclass(frozen=True)
class EditorFile:
    path: str
    text: str

    @property
    def language(self) -> str:
        suffix = PurePosixPath(self.path).suffix
        if suffix in SUFFIX_LANGUAGES:
            return suffix.removeprefix(".")
        return LANGUAGES.get(suffix, "plain")

    @property
    def name(self) -> str:
        """The path inside the prompt's folder; a single-file item's whole path."""
        parts = self.path.split("/")
        return "/".join(parts[2:]) if len(parts) > 2 else self.path


@dataclass
class Editor:
    """What the editor page shows for one item (or a new one not yet on disk)."""

    item: Item
    title: str
    files: list[EditorFile]
    preview: previews.Preview
    problems: list[Problem] = field(default_factory=list)
    is_new: bool = False
    status: str = ""
    revision: int | None = None
    reword: Rewording | None = None  # its rubric's insight flags it for rewording

    @property
    def missing_rubric(self) -> str | None:
        """The rubric the prompt names that has no file (and is not among the files here)."""
        return missing_rubric(self.problems, {f.path for f in self.files})

    @property
    def rubric_slug(self) -> str | None:
        if self.preview.prompt is not None:
            return self.preview.prompt.rubric_slug
        return self.item.slug if self.item.kind == RUBRIC else None


def missing_rubric(problems: list[Problem], paths: set[str]) -> str | None:
    """The slug of a rubric a problem says is missing, unless its file is being written."""
    for problem in problems:
        found = MISSING_RUBRIC.search(problem.message)
        if found and f"rubrics/{found.group(1)}.md" not in paths:
            return found.group(1)
    return None


def _item(kind: str, slug: str) -> Item:
    # A slug longer than the column holds names no item (and may be too long to be a file).
    if kind not in (PROMPT, RUBRIC) or len(slug) > MAX_SLUG or not is_slug(slug):
        raise NotFound(f"no {kind} called {slug!r}")
    return Item(kind, slug)


def open_item(session: Session, root: Path, kind: str, slug: str) -> Editor:
    """The item's files from disk and its stored preview; NotFound if it has no file."""
    item = _item(kind, slug)
    paths = disk.item_files(root, item)
    if not paths:
        raise NotFound(f"no {kind} called {slug!r} on disk")
    files = [EditorFile(p, (root / p).read_text(encoding="utf-8", errors="replace"))
             for p in paths]
    prompt_revision = rubric_revision = None
    if item.kind == PROMPT:
        prompt_revision = session.scalar(
            select(PromptRevision).join(Prompt, Prompt.current_revision_id == PromptRevision.id)
            .where(Prompt.slug == slug).options(selectinload(PromptRevision.competencies)))
    rubric_slug = prompt_revision.rubric_slug if prompt_revision else (
        slug if item.kind == RUBRIC else None)
    if rubric_slug:
        rubric_revision = session.scalar(
            select(RubricRevision).join(Rubric, Rubric.current_revision_id == RubricRevision.id)
            .where(Rubric.slug == rubric_slug)
            .options(joinedload(RubricRevision.rubric), selectinload(RubricRevision.criteria)))
    content = load_content(root)
    owned = set(paths)
    problems = sorted(p for p in content.problems if disk.belongs(p.path, owned))
    parsed = (content.prompts if item.kind == PROMPT else content.rubrics).get(slug)
    revision = prompt_revision if item.kind == PROMPT else rubric_revision
    reword = rewording(session, [rubric_slug]).get(rubric_slug) if rubric_revision else None
    return Editor(
        item=item, title=parsed.title if parsed else slug, files=files,
        preview=previews.from_rows(prompt_revision, rubric_revision), problems=problems,
        status=(parsed.status if item.kind == PROMPT and parsed else ""),
        revision=revision.number if revision is not None else None, reword=reword)


def unsaved_editor(root: Path, files: dict[str, str], problems: list[Problem], *,
                   title: str = "") -> Editor:
    """The editor holding the author's text as sent (a refused save), with its problems."""
    items = sorted({disk.item_of(p) for p in files} - {None})
    main = next((i for i in items if i.kind == PROMPT), items[0])
    note = ("Fix the problems to see the preview." if problems
            else "The preview appears once the files are checked.")
    return Editor(item=main, title=title or main.slug,
                  files=[EditorFile(p, t) for p, t in files.items()],
                  preview=previews.Preview(notes=[note]), problems=problems,
                  is_new=not disk.item_files(root, main))


# Checking ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    """The edited files' problems (errors first), new errors they cause elsewhere, a preview."""

    problems: list[Problem]
    elsewhere: list[Problem]
    preview: previews.Preview

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def ok(self) -> bool:
        return not self.errors and not self.elsewhere


def clean_files(raw: dict[str, str]) -> dict[str, str]:
    """The submitted files with their paths checked; Invalid names the first bad path."""
    if not raw:
        raise Invalid("no files were sent")
    if len(raw) > disk.MAX_FILES:
        raise Invalid(f"{len(raw)} files were sent; at most {disk.MAX_FILES} at once")
    cleaned: dict[str, str] = {}
    for path, text in raw.items():
        problem = disk.path_problem(path)
        if problem:
            raise Invalid(f"{bundle._shown(path)}: {problem}")
        # Browsers send a textarea's lines ending in CR LF; the library's files use LF.
        cleaned[path] = text.replace("\r\n", "\n")
    return cleaned


def check(root: Path, files: dict[str, str], *, render: bool = True) -> Checked:
    """Check edited files against the rest of the content, as ``flask content check`` would."""
    own = disk.text_problems(files)
    try:
        content = load_overlaid(root, files)
    except PathClash as clash:
        raise Invalid(str(clash)) from None
    paths = set(files)
    problems = sorted({*own, *(p for p in content.problems if disk.belongs(p.path, paths))},
                      key=lambda p: (p.severity is not Severity.ERROR, p.path, p.line,
                                     p.message))
    outside = [p for p in content.errors if not disk.belongs(p.path, paths)]
    elsewhere: list[Problem] = []
    if outside:
        # Only errors the edit causes count against it: the library's own are not its fault.
        before = set(load_content(root).errors)
        elsewhere = [p for p in outside if p not in before]
    items = sorted({disk.item_of(p) for p in files} - {None})
    prompt = next((i.slug for i in items if i.kind == PROMPT), None)
    rubric = next((i.slug for i in items if i.kind == RUBRIC), None)
    preview = previews.from_content(content, prompt, rubric) if render else previews.Preview()
    return Checked(problems, elsewhere, preview)


# Saving and downloading --------------------------------------------------------------


@dataclass(frozen=True)
class Saved:
    written: list[str]
    messages: list[str]  # "prompt x: revision 3", one per item changed
    warnings: list[str] = field(default_factory=list)


def changes(root: Path, files: dict[str, str]) -> tuple[dict[str, str], Checked]:
    """The files that differ from disk, once the whole edit checks clean; ProblemsFound if not."""
    checked = check(root, files, render=False)
    if not checked.ok:
        raise ProblemsFound(checked.problems + checked.elsewhere)
    return disk.changed(root, files), checked


def save(session: Session, root: Path, files: dict[str, str], *, writable: bool) -> Saved:
    """Write the changed files atomically and sync them; nothing is written if any has an error."""
    if not writable:
        changes(root, files)  # a file with an error is reported first, as a save would
        raise ContentReadOnly("the content folder is read-only here: download your changes "
                              "and commit them")
    with bundle.writing(root):
        # Checked under the lock, so an import cannot swap the content in between.
        changed, _ = changes(root, files)
        if not changed:
            return Saved([], [])
        for path in sorted(changed):
            disk.write_atomically(root, path, changed[path])
        try:
            report = sync_content(session, root)
        except ContentInvalid as invalid:
            return Saved(sorted(changed), [], [
                f"Saved, but the library has {len(invalid.problems)} error(s) in other "
                f"files, so nothing was synced: run flask content check"])
    items = sorted({disk.item_of(p) for p in changed} - {None})
    return Saved(sorted(changed), _revision_messages(session, items, report),
                 [str(w) for w in report.warnings if disk.belongs(w.path, set(changed))])


def _revision_messages(session: Session, items: list[Item], report) -> list[str]:
    numbers: dict[Item, int] = {}
    for owner, revision_type, kind in ((Prompt, PromptRevision, PROMPT),
                                       (Rubric, RubricRevision, RUBRIC)):
        slugs = [i.slug for i in items if i.kind == kind]
        if slugs:
            rows = session.execute(
                select(owner.slug, revision_type.number)
                .join(revision_type, owner.current_revision_id == revision_type.id)
                .where(owner.slug.in_(slugs)))
            numbers.update({Item(kind, slug): number for slug, number in rows})
    messages = []
    for item in items:
        new = item.slug in report.created.get(item.kind, [])
        if item in numbers:
            messages.append(f"{item.label}: revision {numbers[item]}{' (new)' if new else ''}")
    return messages


def download(root: Path, files: dict[str, str]) -> tuple[str, bytes, str]:
    """The changed files to commit: (file name, bytes, media type). One file as itself,
    several as a zip in the repository's layout; ProblemsFound if any has an error."""
    changed, _ = changes(root, files)
    if not changed:
        raise Invalid("nothing changed: there is nothing to download")
    if len(changed) == 1:
        ((path, text),) = changed.items()
        media = "text/markdown" if path.endswith(".md") else "text/plain"
        return PurePosixPath(path).name, text.encode("utf-8"), f"{media}; charset=utf-8"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(changed):
            info = zipfile.ZipInfo(path, date_time=bundle.ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = bundle.FILE_MODE << 16
            archive.writestr(info, changed[path].encode("utf-8"))
    return "content-changes.zip", buffer.getvalue(), "application/zip"


# New items ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NewItem:
    kind: str  # a prompt kind's name, or "rubric"
    slug: str
    title: str
    level: str
    minutes: int
    competencies: tuple[str, ...]
    rubric: str  # for a prompt; defaults to the prompt's slug


def template_kinds() -> tuple[str, ...]:
    """The prompt kinds with a template, in the registry's order."""
    return tuple(k for k in kind_names() if (TEMPLATES / "prompts" / f"{k}.md").is_file()
                 or (TEMPLATES / "prompts" / k).is_dir())


def _fill(text: str, values: dict[str, str]) -> str:
    return string.Template(text).safe_substitute(values)


def template_files(new: NewItem, rubric_exists: bool) -> dict[str, str]:
    """The files a new item starts from, filled in; a prompt brings its rubric unless it exists."""
    # A JSON string is a YAML scalar: a title with a colon or quotes stays one value.
    values = {"slug": new.slug, "title": json.dumps(new.title, ensure_ascii=False),
              "level": new.level,
              "minutes": str(new.minutes), "rubric": new.rubric or new.slug,
              "competencies": "[" + ", ".join(new.competencies) + "]"}
    files: dict[str, str] = {}
    if new.kind == "rubric":
        template = TEMPLATES / "rubrics" / "system-design.md"
        return {f"rubrics/{new.slug}.md": _fill(template.read_text(encoding="utf-8"), values)}
    single = TEMPLATES / "prompts" / f"{new.kind}.md"
    folder = TEMPLATES / "prompts" / new.kind
    if single.is_file():
        files[f"prompts/{new.slug}.md"] = _fill(single.read_text(encoding="utf-8"), values)
    else:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            inside = path.relative_to(folder).as_posix()
            files[f"prompts/{new.slug}/{inside}"] = _fill(path.read_text(encoding="utf-8"),
                                                          values)
    if not rubric_exists:
        rubric_template = TEMPLATES / "rubrics" / f"{new.kind}.md"
        if not rubric_template.is_file():
            rubric_template = TEMPLATES / "rubrics" / "system-design.md"
        files[f"rubrics/{values['rubric']}.md"] = _fill(
            rubric_template.read_text(encoding="utf-8"), values)
    return files


def competency_choices(session: Session) -> list[tuple[str, str]]:
    """The competencies a new prompt may name, as (slug, title), in the library's order."""
    rows = session.execute(select(Competency.slug, Competency.title)
                           .where(Competency.retired_at.is_(None))
                           .order_by(Competency.position))
    return [(slug, title) for slug, title in rows]


def start_new(root: Path, new: NewItem) -> Editor:
    """The editor on a new item's template; Conflict if the slug is taken on disk."""
    item = Item(RUBRIC if new.kind == "rubric" else PROMPT, new.slug)
    if disk.item_files(root, item):
        raise Conflict(f"{item.label} already exists: open it instead", field="slug")
    rubric_slug = new.rubric or new.slug
    rubric_exists = bool(disk.item_files(root, Item(RUBRIC, rubric_slug)))
    files = template_files(new, rubric_exists)
    label = "rubric" if new.kind == "rubric" else get_kind(new.kind).label.lower() + " prompt"
    return Editor(item=item, title=new.title or f"New {label}",
                  files=[EditorFile(p, t) for p, t in files.items()],
                  preview=previews.Preview(notes=["The preview appears once the files are "
                                                  "checked."]),
                  is_new=True, status=PromptStatus.DRAFT.value)
