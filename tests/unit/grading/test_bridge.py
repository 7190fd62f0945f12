"""The bridge between the judge and the subject, both ends in one process over a socketpair."""

from __future__ import annotations

import socket
import struct
import sys
import threading
import time
import types

import pytest

from app.grading.runner import bridge


@pytest.fixture
def ends():
    """(judge, subject) endpoints; the subject serves a module named ``candidate``."""
    module = sys.modules["candidate"] = types.ModuleType("candidate")
    exec(CANDIDATE, module.__dict__)  # noqa: S102 - the test's own code
    judge_socket, subject_socket = socket.socketpair()
    subject = bridge.Endpoint(subject_socket, side="s", trusting=True, importable=("candidate",))
    judge = bridge.Endpoint(judge_socket, side="j", trusting=False)
    yield judge, subject
    judge.close()
    subject.close()
    del sys.modules["candidate"]


CANDIDATE = '''
import threading
from dataclasses import dataclass

class Refused(ValueError):
    def __init__(self, key):
        super().__init__(f"refused {key}")
        self.key = key

@dataclass(frozen=True)
class Point:
    x: int
    y: int

class Counter:
    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()
    def bump(self, by=1):
        with self.lock:
            self.count += by
            return self.count
    def call_while_holding_the_lock(self, fn):
        with self.lock:
            return fn()

def echo(value):
    return value

def call(fn, *args):
    return fn(*args)

def refuse(key):
    raise Refused(key)

def reraise(fn):
    try:
        fn()
    except Exception:
        raise

def catch(fn, kinds):
    try:
        fn()
    except kinds as error:
        return f"caught {type(error).__name__}"

def same(a, b):
    return a is b

def read_missing():
    open("/no/such/file")

def leave():
    raise SystemExit(3)
'''


@pytest.mark.parametrize("value", [
    None, True, 0, -7, 2**80, 1.5, float("inf"), "text", "\ud800 lone surrogate", b"\x00\xff",
    [1, [2, (3, 4)]], (1,), {"a": {1: [None]}}, {1, 2}, frozenset({"x"}), {(1, 2): b"k"},
])
def test_plain_values_cross_by_value_unchanged(ends, value):
    judge, _ = ends
    echoed = judge.import_module("candidate").echo(value)
    assert echoed == value and type(echoed) is type(value)


def test_not_a_number_crosses_too(ends):
    judge, _ = ends
    echoed = judge.import_module("candidate").echo(float("nan"))
    assert echoed != echoed


def test_objects_cross_by_reference_and_come_home_as_themselves(ends):
    judge, _ = ends
    candidate = judge.import_module("candidate")
    counter = candidate.Counter()
    assert isinstance(counter, bridge.Proxy)
    assert counter.bump() == 1 and counter.bump(by=5) == 6 and counter.count == 6
    assert candidate.same(counter, counter) is True
    assert candidate.echo(counter) is counter  # one proxy per remote object
    assert candidate.Point(1, 2) == candidate.Point(1, 2)
    assert candidate.Point(1, 2) != candidate.Point(2, 1)
    assert repr(candidate.Point(1, 2)) == "Point(x=1, y=2)"


def test_the_judges_callbacks_run_in_the_judge(ends):
    judge, _ = ends
    seen = []
    assert judge.import_module("candidate").call(seen.append, 3) is None
    assert seen == [3]


def test_a_callback_into_the_code_while_it_holds_a_lock_is_served_on_the_same_thread(ends):
    # The code holds a (non-reentrant) lock and calls the judge, which reads the
    # counter: served by the thread holding the lock, as in one process.
    judge, _ = ends
    counter = judge.import_module("candidate").Counter()
    assert counter.call_while_holding_the_lock(lambda: counter.count) == 0


def test_the_codes_exceptions_arrive_as_exceptions_of_the_same_kind(ends):
    judge, _ = ends
    candidate = judge.import_module("candidate")
    refused_class = candidate.Refused
    assert issubclass(refused_class, ValueError)
    with pytest.raises(refused_class) as caught:
        candidate.refuse("k1")
    assert caught.value.key == "k1" and str(caught.value) == "refused k1"
    assert candidate.Refused is refused_class  # one class per remote class
    with pytest.raises(FileNotFoundError, match="No such file or directory: '/no/such/file'"):
        candidate.read_missing()


def test_the_judges_exception_comes_back_as_the_very_same_object(ends):
    judge, _ = ends
    error = ConnectionError("attempt 4")

    def fail():
        raise error

    with pytest.raises(ConnectionError) as caught:
        judge.import_module("candidate").reraise(fail)
    assert caught.value is error


def test_the_code_catches_the_judges_own_exception_classes(ends):
    judge, _ = ends

    class Cancelled(BaseException):
        pass

    def cancel():
        raise Cancelled

    assert judge.import_module("candidate").catch(cancel, (Cancelled,)) == "caught Cancelled"


def test_system_exit_from_the_code_is_an_ordinary_error_for_the_judge(ends):
    judge, _ = ends
    with pytest.raises(bridge.RemoteError, match="SystemExit"):
        judge.import_module("candidate").leave()


def test_the_judge_serves_no_private_attributes_of_what_it_handed_over(ends):
    judge, subject = ends

    def callback():
        return 1

    probe = subject._proxy(judge._keep(callback), "function")
    for name in ("__globals__", "__code__", "__closure__", "__defaults__", "_hidden"):
        with pytest.raises(PermissionError, match="not served"):
            getattr(probe, name)
    assert probe.__name__ == "callback"
    assert probe() == 1


def test_the_judge_imports_nothing_for_the_subject(ends):
    _, subject = ends
    with pytest.raises(PermissionError, match="cannot import"):
        subject.import_module("os")


def test_a_module_handed_over_is_not_served(ends):
    judge, subject = ends
    probe = subject._proxy(judge._keep(sys), "module")
    with pytest.raises(PermissionError, match="not served"):
        probe.modules  # noqa: B018 - the read is the test


def test_threads_calling_at_once_each_get_their_own_answer(ends):
    judge, _ = ends
    counter = judge.import_module("candidate").Counter()
    results = []

    def bump_many():
        results.extend(counter.bump() for _ in range(50))

    threads = [threading.Thread(target=bump_many) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(results) == list(range(1, 401))


@pytest.mark.parametrize("garbage", [
    b"\xff" * 16,  # a size past the cap
    struct.pack("!I", 5) + b"nojsn",
    struct.pack("!I", 2) + b"[]",
    struct.pack("!I", 30) + b'{"k":"req","c":7,"n":1,"a":[]}',
])
def test_garbage_from_the_subject_closes_the_bridge_and_fails_the_waiting_call(garbage):
    judge_socket, rogue = socket.socketpair()
    judge = bridge.Endpoint(judge_socket, side="j", trusting=False)
    answer = {}

    def wait_for_an_answer():
        try:
            judge.import_module("candidate")
        except bridge.BridgeClosed as error:
            answer["error"] = str(error)

    waiting = threading.Thread(target=wait_for_an_answer)
    waiting.start()
    time.sleep(0.05)
    rogue.sendall(garbage)
    waiting.join(5)
    assert "broke the protocol" in answer["error"]
    with pytest.raises(bridge.BridgeClosed):
        judge.import_module("candidate")
    rogue.close()


def test_a_subject_that_ends_fails_the_calls_instead_of_hanging():
    judge_socket, subject_socket = socket.socketpair()
    judge = bridge.Endpoint(judge_socket, side="j", trusting=False)
    subject_socket.close()
    with pytest.raises(bridge.BridgeClosed):
        judge.import_module("candidate")
