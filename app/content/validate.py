"""Loading a content folder from disk and checking it as a whole.

``load_content(root)`` reads ``root/prompts`` and ``root/rubrics``, parses
every file, cross-checks them (competencies, rubrics, each kind's prompt files) and
returns a ``Content`` holding what loaded and every problem found. It never
raises for bad content; it reports.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from app.content.files import CUES_FILE, ignored, read_text
from app.content.model import Content, Problem, Prompt, Rubric, Severity
from app.content.parse import (
    did_you_mean,
    is_slug,
    parse_competencies,
    parse_prompt,
    parse_responsibilities,
    parse_rubric,
)
from app.content.planner.cues import CUES_PATH, parse_cues
from app.kinds import all_kinds, get_kind, kind_names
from app.vocabulary import AutoScorer

COMPETENCIES_FILE = "competencies.md"
# Optional: the duties of the roles we hire for, each linked to competencies and prompts.
RESPONSIBILITIES_FILE = "responsibilities.md"
# Optional: the phrases by which the job-description planner finds each responsibility
# (read by app.content.planner.cues, not a prompt).
def content_hash(files: list[tuple[str, bytes]]) -> str:
    """A revision's identity: SHA-256 over its files' paths and bytes, in path order."""
    digest = hashlib.sha256()
    for name, data in sorted(files):
        digest.update(name.encode() + b"\0" + len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def load_content(root: str | Path) -> Content:
    """Parse and validate the content under ``root``; paths in problems are relative to it."""
    root = Path(root)
    content = Content()
    problems = content.problems
    prompts_dir, rubrics_dir = root / "prompts", root / "rubrics"
    for folder in (prompts_dir, rubrics_dir):
        if not folder.is_dir():
            problems.append(Problem(f"{folder.name}/", 1, f"folder {folder.name}/ not found "
                                                          f"under {root}"))
    if content.errors:
        return content

    competencies_path = prompts_dir / COMPETENCIES_FILE
    if competencies_path.is_file():
        text, _ = read_text(root, competencies_path, problems)
        if text is not None:
            content.competencies = parse_competencies(f"prompts/{COMPETENCIES_FILE}", text,
                                                      problems)
    else:
        problems.append(Problem(f"prompts/{COMPETENCIES_FILE}", 1, "file not found: the "
                                                                    "competency list is "
                                                                    "required"))

    responsibilities_path = prompts_dir / RESPONSIBILITIES_FILE
    if responsibilities_path.is_file():
        text, _ = read_text(root, responsibilities_path, problems)
        if text is not None:
            content.responsibilities = parse_responsibilities(
                f"prompts/{RESPONSIBILITIES_FILE}", text, problems)

    # The planner's cue phrases name responsibilities: checked like any content file.
    cues_path = prompts_dir / CUES_FILE
    if cues_path.is_file():
        text, _ = read_text(root, cues_path, problems)
        if text is not None:
            parse_cues(CUES_PATH, text, problems, content.responsibilities)

    _load_rubrics(root, rubrics_dir, content)
    _load_prompts(root, prompts_dir, content)
    check_references(content)
    check_responsibilities(content)
    return content


def _load_rubrics(root: Path, rubrics_dir: Path, content: Content) -> None:
    problems = content.problems
    for path in sorted(rubrics_dir.iterdir()):
        relative = path.relative_to(root).as_posix()
        if ignored(path.name):
            continue
        if not path.is_file() or path.suffix != ".md":
            problems.append(Problem(relative, 1, "not a rubric (rubrics/<slug>.md) and ignored",
                                    Severity.WARNING))
            continue
        if not is_slug(path.stem):
            problems.append(Problem(relative, 1, f'rubric slug "{path.stem}" must be lowercase '
                                                 f'letters, digits and hyphens'))
            continue
        text, data = read_text(root, path, problems)
        if text is None:
            continue
        rubric = parse_rubric(relative, path.stem, text, content_hash([(path.name, data)]),
                              problems)
        if rubric is not None:
            content.rubrics[rubric.slug] = rubric


def _load_prompts(root: Path, prompts_dir: Path, content: Content) -> None:
    problems = content.problems
    defined_at: dict[str, str] = {}
    for path in sorted(prompts_dir.iterdir()):
        relative = path.relative_to(root).as_posix()
        if ignored(path.name) or path.name in (COMPETENCIES_FILE, RESPONSIBILITIES_FILE,
                                                     CUES_FILE):
            continue
        if path.is_dir():
            slug, prompt_path = path.name, path / "prompt.md"
            if not prompt_path.is_file():
                problems.append(Problem(f"{relative}/", 1, "prompt folder has no prompt.md"))
                continue
        elif path.suffix == ".md":
            slug, prompt_path = path.stem, path
        else:
            problems.append(Problem(relative, 1, "not a prompt (prompts/<slug>.md or "
                                                 "prompts/<slug>/prompt.md) and ignored",
                                    Severity.WARNING))
            continue
        prompt_relative = prompt_path.relative_to(root).as_posix()
        if not is_slug(slug):
            problems.append(Problem(prompt_relative, 1, f'prompt slug "{slug}" must be '
                                                        f'lowercase letters, digits and hyphens'))
            continue
        if slug in defined_at:
            problems.append(Problem(prompt_relative, 1, f'prompt slug "{slug}" is defined '
                                                        f'twice: {defined_at[slug]} and '
                                                        f'{prompt_relative}'))
            continue
        defined_at[slug] = prompt_relative
        text, data = read_text(root, prompt_path, problems)
        if text is None:
            continue
        hashed = [("prompt.md", data)]
        files: dict[str, str] = {}
        if path.is_dir():
            for extra in sorted(p for p in path.rglob("*") if p.is_file()):
                inside = extra.relative_to(path)
                if extra == prompt_path or any(ignored(part) for part in inside.parts):
                    continue
                extra_text, extra_data = read_text(root, extra, problems)
                hashed.append((inside.as_posix(), extra_data))
                if extra_text is not None:
                    files[inside.as_posix()] = extra_text
        prompt = parse_prompt(prompt_relative, slug, text, files, content_hash(hashed), problems)
        if prompt is not None:
            content.prompts[slug] = prompt


def check_references(content: Content) -> None:
    """Cross-file rules: competencies and rubrics exist, prompts have their kind's files."""
    problems = content.problems
    known = set(content.competencies)
    used_competencies: set[str] = set()
    used_rubrics: dict[str, list[str]] = {}
    for prompt in content.prompts.values():
        for slug, line in zip(prompt.competencies, prompt.competency_lines, strict=False):
            used_competencies.add(slug)
            if known and slug not in known:
                problems.append(Problem(prompt.path, line, f'competency "{slug}" is not defined '
                                                           f'in prompts/{COMPETENCIES_FILE}'
                                                           f'{did_you_mean(slug, known)}'))
        rubric_line = prompt.lines.get("rubric", 1)
        if prompt.rubric not in content.rubrics:
            hint = did_you_mean(prompt.rubric, content.rubrics)
            problems.append(Problem(prompt.path, rubric_line, f"prompt has no rubric: "
                                                              f"rubrics/{prompt.rubric}.md does "
                                                              f"not exist{hint}"))
        else:
            used_rubrics.setdefault(prompt.rubric, []).append(prompt.slug)
            _check_hints(prompt, content.rubrics[prompt.rubric], problems)
        if prompt.kind in kind_names():
            for found in get_kind(prompt.kind).check(prompt, content.rubrics.get(prompt.rubric)):
                where = (prompt.path if found.path is None
                         else f"{prompt.path.rsplit('/', 1)[0]}/{found.path}")
                problems.append(Problem(where, found.line, found.message,
                                        Severity.WARNING if found.warning else Severity.ERROR))

    for slug, rubric in content.rubrics.items():
        users = used_rubrics.get(slug, [])
        if not users:
            problems.append(Problem(rubric.path, 1, "rubric is not used by any prompt",
                                    Severity.WARNING))
        for criterion in rubric.criteria:
            # A criterion scored automatically needs that scorer in every kind using it.
            unable = [s for s in users if criterion.auto
                      and criterion.auto not in _scorers(content.prompts[s].kind)]
            if unable:
                able = [k.name for k in all_kinds() if criterion.auto in k.auto_scorers]
                kind = content.prompts[unable[0]].kind
                problems.append(Problem(rubric.path, criterion.key_lines["auto"],
                                        f'criterion "{criterion.name}" is auto: '
                                        f'{criterion.auto}, but {kind} prompt "{unable[0]}" '
                                        f'uses this rubric; only {" and ".join(able)} prompts '
                                        f'have {criterion.auto}'))
    for slug, competency in content.competencies.items():
        if content.prompts and slug not in used_competencies:
            problems.append(Problem(competency.path, competency.line, f'competency "{slug}" is '
                                                                      f'not used by any prompt',
                                    Severity.WARNING))


def check_responsibilities(content: Content) -> None:
    """Every competency and prompt a responsibility names exists."""
    for responsibility in content.responsibilities.values():
        named = [("competency", slug, content.competencies, "competencies",
                  f"in prompts/{COMPETENCIES_FILE}") for slug in responsibility.competencies]
        named += [("prompt", slug, content.prompts, "prompts", "in the library")
                  for slug in responsibility.prompts]
        for noun, slug, known, key, where in named:
            # Without a competency list every slug would be unknown: that is reported once.
            if slug in known or not known and key == "competencies":
                continue
            content.problems.append(Problem(
                responsibility.path, responsibility.key_lines.get(key, responsibility.line),
                f'{noun} "{slug}" of responsibility "{responsibility.slug}" is not defined '
                f'{where}{did_you_mean(slug, set(known))}'))


def _check_hints(prompt: Prompt, rubric: Rubric, problems: list[Problem]) -> None:
    """Every criterion a hint gives away is one of the rubric's, by its exact name."""
    names = [c.name for c in rubric.criteria]
    for number, (criterion, line) in enumerate(zip(prompt.hint_criteria, prompt.hint_lines,
                                                   strict=True), start=1):
        if criterion is not None and criterion not in names:
            problems.append(Problem(prompt.path, line, f'hint {number} gives away criterion '
                                                       f'"{criterion}", which rubric '
                                                       f'"{rubric.slug}" does not have'
                                                       f'{did_you_mean(criterion, names)}'))


def _scorers(kind: str) -> frozenset[AutoScorer]:
    """The automatic scorers of a kind; every one for a kind that is not registered,
    which is reported once already, where its prompt names it."""
    return get_kind(kind).auto_scorers if kind in kind_names() else frozenset(AutoScorer)
