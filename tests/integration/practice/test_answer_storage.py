"""Answers are stored compactly: storage grows with the answer, and every revision reads back.

See docs/performance.md (compact answer storage) for the figures behind the bound.
"""

from __future__ import annotations

import random
from http import HTTPStatus

from sqlalchemy import func, select

from app.attempts import lifecycle
from app.content import render
from app.models import AnswerRevision
from app.practice import services
from tests.integration.practice.test_attempts import save, start
from tests.support.calls import calls_of
from tests.support.worker import run_renders

WORDS = ("cache", "shard", "replica", "queue", "partition", "leader", "follower", "quorum",
         "index", "write", "read", "latency", "throughput", "consistency", "availability",
         "region", "failover", "hash", "ring", "key")
# The bound the 300-save test proves, in multiples of the final answer's size: it measures
# 1.75 (73 KB for a 42 KB answer); storing every revision whole took 149 (6.3 MB), before
# counting the HTML each one kept too.
BOUND = 3


def grown(rng: random.Random, saves: int, size: int) -> list[str]:
    """The texts of ``saves`` autosaves of an answer growing to about ``size`` bytes.

    Each save adds a few sentences somewhere in the text and now and then
    deletes or rewrites a few words, as someone writing and revising does.
    """
    text, texts = "", []
    for _ in range(saves):
        words = rng.choices(WORDS, k=max(1, (size // saves) // 7))
        at = rng.randint(0, len(text))
        text = text[:at] + " ".join(words) + ". " + text[at:]
        if rng.random() < 0.3 and len(text) > 100:
            cut = rng.randint(0, len(text) - 40)
            text = text[:cut] + rng.choice(WORDS) + text[cut + rng.randint(1, 40):]
        texts.append(text)
    return texts


def save_all(db, attempt, texts: list[str]) -> None:
    for number, text in enumerate(texts):
        lifecycle.save_draft(db, attempt, body=text, based_on=number, client_id="tab-a")


def test_a_long_answer_saved_300_times_stores_a_small_multiple_of_its_size(db, library,
                                                                           candidate):
    # A coding prompt: no HTML, so markdown rendering does not make the test slow; the
    # HTML is the newest revision's only (next test).
    attempt = services.start_attempt(db, candidate, "sum-two")
    texts = grown(random.Random(7), 300, 40_000)
    save_all(db, attempt, texts)
    final = len(texts[-1].encode())
    assert final > 38_000
    stored = lifecycle.stored_answer_bytes(db, attempt)
    whole = db.scalar(select(func.sum(AnswerRevision.size))
                      .where(AnswerRevision.attempt_id == attempt.id))
    assert stored < BOUND * final
    assert whole > 100 * final  # what storing every revision whole took
    db.expire_all()
    assert [lifecycle.get_revision(db, attempt, n).body
            for n in range(1, len(texts) + 1)] == texts


def test_only_the_newest_revision_keeps_its_html(app, db, library, candidate):
    attempt = services.start_attempt(db, candidate, "url-shortener")
    texts = grown(random.Random(3), 40, 3_000)
    save_all(db, attempt, texts)
    # Forty saves queued forty jobs; the first renders the newest text, the rest find
    # it rendered already.
    with calls_of(render.render_markdown) as renders:
        assert run_renders(app) == 40
    assert len(renders) == 1
    data = db.scalar(select(func.sum(func.length(AnswerRevision.data)))
                     .where(AnswerRevision.attempt_id == attempt.id))
    html = str(render.render_markdown(texts[-1]))
    assert lifecycle.stored_answer_bytes(db, attempt) == data + len(html.encode())


def test_restoring_a_revision_inside_a_chain_of_deltas_keeps_every_text(db, library, candidate):
    attempt = services.start_attempt(db, candidate, "sum-two")
    texts = grown(random.Random(5), 50, 5_000)
    save_all(db, attempt, texts)
    old = lifecycle.get_revision(db, attempt, 40)
    assert old.chain > 0  # a delta, read through the revisions before it
    restored = lifecycle.restore_revision(db, attempt, 40)
    assert (restored.number, restored.restored_from) == (51, 40)
    lifecycle.save_draft(db, attempt, body=texts[39] + "\nOne more line.", based_on=51)
    db.expire_all()
    assert lifecycle.get_revision(db, attempt, 51).body == texts[39]
    assert lifecycle.latest_revision(db, attempt).body == texts[39] + "\nOne more line."
    assert [lifecycle.get_revision(db, attempt, n).body for n in range(1, 51)] == texts


def test_a_stale_save_gets_the_newest_text_back(client, db, library, candidate):
    attempt_id = start(client, "sum-two")
    texts = grown(random.Random(11), 12, 2_000)
    for number, text in enumerate(texts):
        assert save(client, attempt_id, text, number).status_code == HTTPStatus.OK
    db.expire_all()
    newest = db.scalar(select(AnswerRevision).where(AnswerRevision.attempt_id == attempt_id,
                                                    AnswerRevision.number == 12))
    assert newest.chain > 0
    response = save(client, attempt_id, "from another tab", 5, client_id="tab-b")
    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json["current"] == {**response.json["current"], "revision": 12,
                                        "body": texts[-1]}




def test_a_save_renders_nothing_and_its_worker_renders_only_new_text(app, client, db, library,
                                                                      candidate):
    attempt_id = start(client)
    with calls_of(render.render_markdown) as fresh:
        assert save(client, attempt_id, "## Storage\n\nA key-value store.", 0).status_code == 200
    with calls_of(render.render_markdown) as worker:
        assert run_renders(app) == 1
    with calls_of(render.render_markdown) as unchanged:
        assert save(client, attempt_id, "## Storage\n\nA key-value store.", 1).status_code == 200
    with calls_of(render.render_markdown) as stale:
        response = save(client, attempt_id, "## Other\n\nFrom elsewhere.", 0, client_id="tab-b")
        assert response.status_code == HTTPStatus.CONFLICT
    with calls_of(render.render_markdown) as after:
        assert run_renders(app) == 0  # neither queued a job: nothing new was stored
    assert (len(fresh), len(worker), len(unchanged), len(stale), len(after)) == (0, 1, 0, 0, 0)
