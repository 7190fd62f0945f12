"""Watching calls of one function in the block, with a profiling hook (no stand-in)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def _watching(function: Callable, on_call: Callable[[], None]) -> Iterator[None]:
    code = function.__code__

    def hook(frame, event, _arg):
        if event == "call" and frame.f_code is code:
            sys.setprofile(None)  # what on_call runs is not watched
            try:
                on_call()
            finally:
                sys.setprofile(hook)

    previous = sys.getprofile()
    sys.setprofile(hook)
    try:
        yield
    finally:
        sys.setprofile(previous)


@contextmanager
def calls_of(function: Callable) -> Iterator[list[int]]:
    """A list that gets an item each time ``function`` is called in the block."""
    calls: list[int] = []
    with _watching(function, lambda: calls.append(1)):
        yield calls


@contextmanager
def on_first_call(function: Callable, action: Callable[[], None]) -> Iterator[list[int]]:
    """Run ``action`` once, when ``function`` is first entered in the block (before its
    body runs); the list gets an item when it has."""
    done: list[int] = []

    def once() -> None:
        if not done:
            done.append(1)
            action()

    with _watching(function, once):
        yield done
