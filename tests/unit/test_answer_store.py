"""Revisions stored as snapshots and deltas read back as exactly the texts saved."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from app.models import answer_store

# Mostly ASCII, some multi-byte characters: offsets count characters, not bytes.
ALPHABET = st.sampled_from("abc de\n#*-ü✓😀")


@st.composite
def edits(draw) -> list[str]:
    """A text, then the texts a sequence of local edits makes of it (as autosaves see them)."""
    text = draw(st.text(ALPHABET, max_size=200))
    texts = [text]
    for _ in range(draw(st.integers(1, 80))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + draw(st.integers(0, 30)))))
        text = text[:start] + draw(st.text(ALPHABET, max_size=40)) + text[end:]
        texts.append(text)
    return texts


def store(texts: list[str]) -> list[tuple[int, bytes]]:
    """(chain, data) for each text, encoded as saves encode them, one after the other."""
    rows: list[tuple[int, bytes]] = []
    previous, chain = None, 0
    for text in texts:
        data, chain = answer_store.encode(previous, chain, text)
        rows.append((chain, data))
        previous = text
    return rows


@settings(max_examples=200, deadline=None)
@given(edits())
def test_every_revision_reads_back_from_at_most_a_window_of_rows(texts):
    rows = store(texts)
    assert max(chain for chain, _ in rows) < answer_store.SNAPSHOT_EVERY
    for number, text in enumerate(texts):
        window = rows[max(0, number + 1 - answer_store.SNAPSHOT_EVERY):number + 1]
        assert answer_store.decode(window) == text


def test_a_local_edit_to_a_long_text_stores_only_the_edit():
    text = "".join(f"Paragraph {n}: shard the keys by hash.\n" for n in range(2000))
    edited = text[:40_000] + "A new sentence. " + text[40_000:]
    data, chain = answer_store.encode(text, 0, edited)
    assert chain == 1 and len(data) < 40
    assert answer_store.apply(text, data) == edited


def test_a_rewrite_is_stored_as_a_snapshot_when_a_delta_would_not_be_smaller():
    rng = random.Random(1)
    before, after = ("".join(rng.choices(letters, k=5000)) for letters in ("abcd ", "wxyz "))
    data, chain = answer_store.encode(before, 3, after)
    assert len(answer_store.delta(before, after)) >= len(data)
    assert chain == 0 and answer_store.apply(None, data) == after


def test_a_snapshot_is_written_at_the_latest_every_snapshot_every_revisions():
    chains = [chain for chain, _ in store([f"a{n}" * 500 for n in range(100)])]
    assert chains[:answer_store.SNAPSHOT_EVERY + 1] == [*range(answer_store.SNAPSHOT_EVERY), 0]
