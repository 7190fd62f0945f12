"""A two-way object bridge between the judge and the subject of a test run.

The judge is the process that runs pytest on a prompt's tests; the subject is
the process that runs the candidate's code. They share no memory and no files,
only a socket. The judge imports ``solution`` as a proxy: every attribute read,
call, comparison or iteration on it becomes a message, executed by the subject
on the real objects, and the answer comes back as a value. So the verdict
rests only on what the candidate's code observably does: it cannot patch
pytest, write the report or read the tests, because none of them live in its
process.

What crosses the socket (JSON, length-prefixed):

- plain data by value: None, bools, ints, floats, strings, bytes, and lists,
  tuples, dicts, sets and frozensets of plain data (exact types only; a
  subclass such as an enum member or a named tuple crosses by reference);
- any other object by reference: the other side gets a ``Proxy`` that forwards
  what is done to it, and a reference sent back resolves to the original;
- exception classes and exceptions by copy, so ``pytest.raises(SomeError)`` and
  ``except SomeError`` work on both sides; an exception sent back to the side
  that raised it resolves to the original object.

The judge trusts nothing from the subject: messages are size-capped and
decoded into plain values and proxies only (never unpickled or evaluated), and
the judge serves the subject only public attributes and calls on objects the
tests handed over, never module globals or anything named with an underscore.

Every thread that makes a request belongs to a chain; requests made while
serving a chain (a callback into the tests, then a call back into the code)
are served by the thread that is waiting on that chain, so locks and
thread-locals behave as they would in one process.

This module runs on the system Python inside both sandboxes: standard library
only, and nothing from the app.
"""

from __future__ import annotations

import base64
import builtins
import contextlib
import inspect
import itertools
import json
import math
import operator
import queue
import socket
import struct
import threading
import types
import weakref
from typing import Any

MESSAGE_MAX = 16 * 1024 * 1024
CHAIN_IDLE_SECONDS = 0.5
# Threads the bridge starts (and the code's own) reserve this much stack, not
# the default 8 MB each, which the sandbox's address-space limit would soon cap.
THREAD_STACK_BYTES = 1024 * 1024
OUT_OF_THREADS = "the sandbox has no room for another thread"
_HEADER = struct.Struct("!I")

# Operations one side may ask of an object the other side holds.
_OPERATORS: dict[str, Any] = {
    "eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le,
    "gt": operator.gt, "ge": operator.ge, "hash": hash, "len": len, "bool": bool,
    "repr": repr, "str": str, "iter": iter, "next": next, "contains": operator.contains,
    "getitem": operator.getitem, "setitem": operator.setitem, "delitem": operator.delitem,
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "neg": operator.neg,
    "truediv": operator.truediv, "floordiv": operator.floordiv, "mod": operator.mod,
    "int": int, "float": float, "index": operator.index,
    "enter": lambda target: target.__enter__(),
    "exit": lambda target, *args: target.__exit__(*args),
}
_PLAIN_SCALARS = (type(None), bool, int, str)
# The only underscored names the judge serves: what describes a function
# (functools.wraps copies them), never its globals, code, closure or defaults.
_DESCRIPTIVE = frozenset({"__name__", "__qualname__", "__doc__", "__module__", "__dict__",
                          "__annotations__"})
_UNSERVED_TYPES = (types.ModuleType, types.CodeType, types.FrameType, types.TracebackType)


class BridgeClosed(Exception):
    """The other side of the bridge has gone (it exited, was killed or broke the protocol)."""


class RemoteError(Exception):
    """An exception from the other side that has no counterpart here (e.g. SystemExit)."""


class Proxy:
    # Stands for an object that lives on the other side of the bridge. (No
    # docstring: ``proxy.__doc__`` is the remote object's, like its module.)

    __slots__ = ("_bridge_endpoint", "_bridge_ref", "_bridge_type", "_bridge_methods",
                 "__weakref__")
    __doc__ = property(lambda self: self._bridge_endpoint.request("getattr", self, "__doc__"))
    __module__ = property(  # type: ignore[assignment]
        lambda self: self._bridge_endpoint.request("getattr", self, "__module__"))

    def __init__(self, endpoint: Endpoint, ref: int, type_name: str,
                 methods: frozenset[str] = frozenset()) -> None:
        object.__setattr__(self, "_bridge_endpoint", endpoint)
        object.__setattr__(self, "_bridge_ref", ref)
        object.__setattr__(self, "_bridge_type", type_name)
        object.__setattr__(self, "_bridge_methods", methods)

    def _bridge_op(self, name: str, *args: Any) -> Any:
        return self._bridge_endpoint.request("op", self, name, list(args))

    def __getattr__(self, name: str) -> Any:
        if name in self._bridge_methods:
            # A method of the object's class: calling it costs one message, not two.
            return RemoteMethod(self, name)
        return self._bridge_endpoint.request("getattr", self, name)

    def __setattr__(self, name: str, value: Any) -> None:
        self._bridge_endpoint.request("setattr", self, name, value)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._bridge_endpoint.request("call", self, list(args), kwargs)

    def __repr__(self) -> str:
        try:
            return self._bridge_op("repr")
        except Exception:  # a repr is used in reports: never let it raise
            return f"<{self._bridge_type} on the other side>"

    def __str__(self) -> str:
        return self._bridge_op("str")

    def __eq__(self, other: object) -> Any:
        return self._bridge_op("eq", other)

    def __ne__(self, other: object) -> Any:
        return self._bridge_op("ne", other)

    def __lt__(self, other: object) -> Any:
        return self._bridge_op("lt", other)

    def __le__(self, other: object) -> Any:
        return self._bridge_op("le", other)

    def __gt__(self, other: object) -> Any:
        return self._bridge_op("gt", other)

    def __ge__(self, other: object) -> Any:
        return self._bridge_op("ge", other)

    def __hash__(self) -> int:
        return self._bridge_op("hash")

    def __len__(self) -> int:
        return self._bridge_op("len")

    def __bool__(self) -> bool:
        return self._bridge_op("bool")

    def __iter__(self) -> Any:
        return self._bridge_op("iter")

    def __next__(self) -> Any:
        return self._bridge_op("next")

    def __contains__(self, item: object) -> bool:
        return self._bridge_op("contains", item)

    def __getitem__(self, key: object) -> Any:
        return self._bridge_op("getitem", key)

    def __setitem__(self, key: object, value: object) -> None:
        self._bridge_op("setitem", key, value)

    def __delitem__(self, key: object) -> None:
        self._bridge_op("delitem", key)

    def __add__(self, other: object) -> Any:
        return self._bridge_op("add", other)

    def __sub__(self, other: object) -> Any:
        return self._bridge_op("sub", other)

    def __mul__(self, other: object) -> Any:
        return self._bridge_op("mul", other)

    def __neg__(self) -> Any:
        return self._bridge_op("neg")

    def __truediv__(self, other: object) -> Any:
        return self._bridge_op("truediv", other)

    def __floordiv__(self, other: object) -> Any:
        return self._bridge_op("floordiv", other)

    def __mod__(self, other: object) -> Any:
        return self._bridge_op("mod", other)

    def __int__(self) -> int:
        return self._bridge_op("int")

    def __float__(self) -> float:
        return self._bridge_op("float")

    def __index__(self) -> int:
        return self._bridge_op("index")

    def __enter__(self) -> Any:
        return self._bridge_op("enter")

    def __exit__(self, *args: Any) -> Any:
        return self._bridge_op("exit", *args)


class RemoteMethod:
    """A method of a remote object, looked up on the other side when it is called."""

    __slots__ = ("owner", "name")

    def __init__(self, owner: Proxy, name: str) -> None:
        self.owner, self.name = owner, name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.owner._bridge_endpoint.request("method", self.owner, self.name,
                                                   list(args), kwargs)

    def __repr__(self) -> str:
        return f"<method {self.name} of {self.owner!r}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RemoteMethod) and (other.owner, other.name) == \
            (self.owner, self.name)

    def __hash__(self) -> int:
        return hash((id(self.owner), self.name))


class Endpoint:
    """One side of the bridge: sends requests, serves the other side's requests.

    ``trusting`` is the subject's side: it serves any attribute of its own
    objects and imports ``solution`` when asked. The judge's side is not
    trusting: it serves calls and public attributes of what it handed over.
    """

    def __init__(self, sock: socket.socket, *, side: str, trusting: bool,
                 importable: tuple[str, ...] = ()) -> None:
        self.side = side
        self.trusting = trusting
        self.importable = importable
        self._sock = sock
        self._send_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._request_ids = itertools.count(1)
        self._chain_ids = itertools.count(1)
        self._local = threading.local()
        self._inboxes: dict[str, queue.SimpleQueue] = {}
        # What the other side holds by reference: ref -> object, and back.
        self._objects: dict[int, Any] = {}
        self._refs: dict[int, int] = {}
        self._object_ids = itertools.count(1)
        self._class_methods: dict[type, list[str]] = {}
        self._proxies: weakref.WeakValueDictionary[int, Proxy] = weakref.WeakValueDictionary()
        # Exception classes copied from the other side, both ways.
        self._copied_classes: dict[int, type] = {}
        self._class_origins: dict[type, int] = {}
        # Copied exceptions, by id (some, like OSError, take no weak reference):
        # id -> (the copy, the original's ref on the other side).
        self._exception_origins: dict[int, tuple[BaseException, int]] = {}
        self.closed: str | None = None
        self.on_note = None  # the subject's hook for "a test starts" notes
        self._reader = threading.Thread(target=self._read_loop, name="bridge-reader", daemon=True)
        self._reader.start()

    # -- requests ------------------------------------------------------------

    def request(self, op: str, *args: Any) -> Any:
        """Ask the other side to do ``op`` and wait for its answer (serving callbacks meanwhile)."""
        if self.closed:
            raise BridgeClosed(self.closed)
        chain, inbox = self._my_chain()
        number = next(self._request_ids)
        self._send({"k": "req", "c": chain, "n": number, "op": op,
                    "a": [self.encode(a) for a in args]})
        while True:
            message = inbox.get()
            if message is None:
                raise BridgeClosed(self.closed or "the bridge closed")
            if message["k"] == "req":
                self._serve(chain, message)
            elif message.get("n") == number:
                if message["k"] == "ok":
                    return self.decode(message["v"])
                raise self._decode_exception(message["e"])

    def note(self, text: str) -> None:
        """Tell the other side something that needs no answer (the test that starts)."""
        if not self.closed:
            self._send({"k": "note", "t": str(text)[:500]})

    def import_module(self, name: str) -> Any:
        return self.request("import", name)

    def _my_chain(self) -> tuple[str, queue.SimpleQueue]:
        chain = getattr(self._local, "chain", None)
        if chain is None:
            chain = f"{self.side}{next(self._chain_ids)}"
            self._local.chain = chain
            with self._state_lock:
                self._inboxes[chain] = queue.SimpleQueue()
        return chain, self._inboxes[chain]

    # -- serving -------------------------------------------------------------

    def _serve(self, chain: str, message: dict) -> None:
        try:
            value = self._perform(message["op"], [self.decode(a) for a in message["a"]])
            reply = {"k": "ok", "c": chain, "n": message["n"], "v": self.encode(value)}
        except BaseException as error:  # everything goes back to the caller, as in one process
            reply = {"k": "err", "c": chain, "n": message["n"], "e": self._encode_error(error)}
        self._send(reply)

    def _perform(self, op: str, args: list) -> Any:
        if op == "import":
            if args[0] not in self.importable:
                raise PermissionError(f"cannot import {args[0]!r} across the bridge")
            return __import__(args[0])
        target = args[0]
        if not self.trusting and isinstance(target, _UNSERVED_TYPES):
            raise PermissionError("that object is not served across the bridge")
        if op == "call":
            return target(*args[1], **args[2])
        if op == "method":
            self._check_name(args[1])
            return getattr(target, args[1])(*args[2], **args[3])
        if op == "getattr":
            self._check_name(args[1], reading=True)
            if args[1] in ("__dict__", "__annotations__") and not self.trusting:
                if not isinstance(target, types.FunctionType):
                    raise PermissionError(f"attribute {args[1]!r} is not served across the bridge")
                return dict(getattr(target, args[1]))  # a copy: what functools.wraps reads
            return getattr(target, args[1])
        if op == "setattr":
            self._check_name(args[1])
            setattr(target, args[1], args[2])
            return None
        if op == "op" and args[1] in _OPERATORS:
            if not self.trusting and args[1] in ("enter", "exit"):
                raise PermissionError("that operation is not served across the bridge")
            return _OPERATORS[args[1]](target, *args[2])
        raise PermissionError(f"unknown operation {op!r}")

    def _check_name(self, name: object, *, reading: bool = False) -> None:
        if not isinstance(name, str):
            raise TypeError("attribute names are strings")
        if reading and name in _DESCRIPTIVE:
            return
        if not self.trusting and name.startswith("_"):
            raise PermissionError(f"attribute {name!r} is not served across the bridge")

    def _chain_server(self, chain: str, inbox: queue.SimpleQueue) -> None:
        """Serve one of the other side's threads; end when it has been quiet for a while.

        Threads are counted against the sandbox's process limit, and the
        other side's threads come and go: a server per thread that ever
        called would soon use the limit up.
        """
        self._local.chain = chain
        while True:
            try:
                message = inbox.get(timeout=CHAIN_IDLE_SECONDS)
            except queue.Empty:
                with self._state_lock:
                    if inbox.empty():
                        del self._inboxes[chain]
                        return
                continue
            if message is None:
                return
            if message["k"] == "req":
                self._serve(chain, message)

    # -- the socket ----------------------------------------------------------

    def _send(self, message: dict) -> None:
        data = json.dumps(message, separators=(",", ":"), allow_nan=False).encode()
        if len(data) > MESSAGE_MAX:
            raise ValueError("a value too large to send across the bridge")
        with self._send_lock:
            try:
                self._sock.sendall(_HEADER.pack(len(data)) + data)
            except OSError as error:
                self._close(f"the other side has gone ({error.strerror or error})")
                raise BridgeClosed(self.closed) from None

    def _receive_exactly(self, count: int) -> bytes:
        chunks, left = [], count
        while left:
            chunk = self._sock.recv(min(left, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def _read_loop(self) -> None:
        try:
            while True:
                (size,) = _HEADER.unpack(self._receive_exactly(_HEADER.size))
                if size > MESSAGE_MAX:
                    raise ValueError(f"a message of {size} bytes")
                message = json.loads(self._receive_exactly(size))
                self._route(message)
        except EOFError:
            self._close("the other side ended")
        except OSError as error:
            self._close(f"the other side has gone ({error.strerror or error})")
        except Exception as error:  # anything malformed ends the conversation
            self._close(f"the other side broke the protocol ({type(error).__name__})")
        finally:
            self._sock.close()  # the reader owns the socket: it is the last to use it

    def _route(self, message: Any) -> None:
        if not isinstance(message, dict) or message.get("k") not in ("req", "ok", "err", "note"):
            raise ValueError("not a message")
        if message["k"] == "note":
            if self.on_note is not None:
                self.on_note(str(message.get("t", "")))
            return
        chain = message.get("c")
        if not isinstance(chain, str) or not isinstance(message.get("n"), int):
            raise ValueError("a message without its chain")
        if message["k"] == "req" and (not isinstance(message.get("op"), str)
                                      or not isinstance(message.get("a"), list)):
            raise ValueError("a request without its operation")
        with self._state_lock:
            inbox = self._inboxes.get(chain)
            if inbox is None:
                if message["k"] != "req" or chain.startswith(self.side):
                    return  # an answer nobody waits for, or a chain that is ours
                inbox = self._inboxes[chain] = queue.SimpleQueue()
                try:
                    threading.Thread(target=self._chain_server, args=(chain, inbox),
                                     name=f"bridge-{chain}", daemon=True).start()
                except RuntimeError:  # out of threads: the request fails, the bridge lives
                    del self._inboxes[chain]
                    inbox = None
            if inbox is not None:
                inbox.put(message)  # under the lock: a server ending for quiet takes it first
                return
        self._send({"k": "err", "c": chain, "n": message["n"],
                    "e": {"class": {"builtin": "RuntimeError"}, "args": {"T": [OUT_OF_THREADS]},
                          "attrs": {}, "text": OUT_OF_THREADS}})

    def _close(self, reason: str) -> None:
        with self._state_lock:
            if self.closed:
                return
            self.closed = reason
            inboxes = list(self._inboxes.values())
        for inbox in inboxes:
            inbox.put(None)
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._close("closed")

    # -- values --------------------------------------------------------------

    def encode(self, value: Any, depth: int = 0) -> Any:
        if depth > 100:
            raise ValueError("a value nested too deeply to send across the bridge")
        kind = type(value)
        if kind in _PLAIN_SCALARS:
            return value
        if kind is float:
            return value if math.isfinite(value) else {"f": repr(value)}
        if kind is bytes:
            return {"B": base64.b64encode(value).decode()}
        if kind in (list, tuple, set, frozenset):
            tag = {list: "L", tuple: "T", set: "S", frozenset: "F"}[kind]
            return {tag: [self.encode(item, depth + 1) for item in value]}
        if kind is dict:
            return {"D": [[self.encode(k, depth + 1), self.encode(v, depth + 1)]
                          for k, v in value.items()]}
        if isinstance(value, Proxy) and value._bridge_endpoint is self:
            return {"R": value._bridge_ref, "o": "them"}
        if isinstance(value, type) and issubclass(value, BaseException):
            return {"X": self._encode_class(value)}
        if isinstance(value, BaseException):
            return {"E": self._encode_exception(value)}
        encoded = {"R": self._keep(value), "o": "us", "t": kind.__name__}
        methods = self._methods_of(value)
        if methods:
            encoded["m"] = methods
        return encoded

    def decode(self, value: Any, depth: int = 0) -> Any:
        if depth > 100:
            raise ValueError("a value nested too deeply")
        if value is None or type(value) in (bool, int, str, float):
            return value
        if isinstance(value, list) or not isinstance(value, dict) or len(value) == 0:
            raise ValueError("not an encoded value")
        if "f" in value:
            return float(value["f"])
        if "B" in value:
            return base64.b64decode(value["B"])
        for tag, kind in (("L", list), ("T", tuple), ("S", set), ("F", frozenset)):
            if tag in value:
                return kind(self.decode(item, depth + 1) for item in value[tag])
        if "D" in value:
            return {self.decode(k, depth + 1): self.decode(v, depth + 1) for k, v in value["D"]}
        if "R" in value:
            ref = value["R"]
            if not isinstance(ref, int):
                raise ValueError("a reference that is not a number")
            if value.get("o") == "them":  # one of ours, coming home
                if ref not in self._objects:
                    raise ValueError("a reference to nothing")
                return self._objects[ref]
            methods = value.get("m", [])
            if not isinstance(methods, list) or not all(isinstance(m, str) for m in methods):
                raise ValueError("method names that are not strings")
            return self._proxy(ref, str(value.get("t", "object")), frozenset(methods))
        if "X" in value:
            return self._decode_class(value["X"])
        if "E" in value:
            return self._decode_exception_value(value["E"])
        raise ValueError("not an encoded value")

    def _methods_of(self, value: Any) -> list[str]:
        """Names of plain methods of ``value``'s class that its instance does not shadow."""
        kind = type(value)
        names = self._class_methods.get(kind)
        if names is None:
            names = sorted(
                name for name in dir(kind)
                if not name.startswith("__") and (self.trusting or not name.startswith("_"))
                and isinstance(inspect.getattr_static(kind, name, None), types.FunctionType))
            self._class_methods[kind] = names
        shadowing = getattr(value, "__dict__", None)
        if names and isinstance(shadowing, dict):
            return [name for name in names if name not in shadowing]
        return names

    def _keep(self, value: Any) -> int:
        with self._state_lock:
            ref = self._refs.get(id(value))
            if ref is None or self._objects.get(ref) is not value:
                ref = next(self._object_ids)
                self._objects[ref] = value
                self._refs[id(value)] = ref
            return ref

    def _proxy(self, ref: int, type_name: str, methods: frozenset[str] = frozenset()) -> Proxy:
        with self._state_lock:
            proxy = self._proxies.get(ref)
            if proxy is None:
                proxy = self._proxies[ref] = Proxy(self, ref, type_name[:100], methods)
            else:  # what the instance shadows may have changed since
                object.__setattr__(proxy, "_bridge_methods", methods)
            return proxy

    # Exception classes: builtins by name, others copied as a local subclass.

    def _encode_class(self, cls: type) -> dict:
        if getattr(builtins, cls.__name__, None) is cls:
            return {"builtin": cls.__name__}
        if cls in self._class_origins:
            return {"home": self._class_origins[cls]}
        bases = [b for b in cls.__bases__ if issubclass(b, BaseException)] or [Exception]
        return {"ref": self._keep(cls), "name": cls.__name__[:100],
                "bases": [self._encode_class(b) for b in bases]}

    def _decode_class(self, spec: Any, depth: int = 0) -> type:
        if not isinstance(spec, dict) or depth > 20:
            raise ValueError("not an exception class")
        if "builtin" in spec:
            found = getattr(builtins, str(spec["builtin"]), None)
            if isinstance(found, type) and issubclass(found, BaseException):
                return found
            return RemoteError
        if "home" in spec:
            found = self._objects.get(spec["home"])
            if not (isinstance(found, type) and issubclass(found, BaseException)):
                raise ValueError("a reference to no exception class")
            return found
        ref = spec["ref"]
        if not isinstance(ref, int):
            raise ValueError("an exception class without its reference")
        with self._state_lock:
            known = self._copied_classes.get(ref)
        if known is not None:
            return known
        bases = tuple(self._decode_class(b, depth + 1) for b in spec.get("bases", []))
        bases = _usable_bases(bases) or (Exception,)
        copied = type(str(spec.get("name", "RemoteError")), bases,
                      {"__module__": "solution" if self.side == "j" else "tests",
                       "__str__": _copied_str})
        with self._state_lock:
            copied = self._copied_classes.setdefault(ref, copied)
            self._class_origins[copied] = ref
        return copied

    def _encode_exception(self, error: BaseException) -> dict:
        origin = self._exception_origins.get(id(error))
        if origin is not None and origin[0] is error:
            return {"home": origin[1]}
        attributes = {}
        for name, value in vars(error).items():
            if name.startswith("_"):
                continue
            try:
                attributes[name] = self.encode(value, 90)
            except (ValueError, RecursionError):
                continue
        try:
            text = str(error)
        except Exception:
            text = f"<{type(error).__name__}>"
        arguments = error.args
        if isinstance(error, OSError) and error.filename is not None and len(arguments) == 2:
            # The file name is not in args, yet it is part of the message.
            arguments = (*arguments, error.filename)
        try:
            arguments = self.encode(tuple(arguments), 90)
        except (ValueError, RecursionError):
            arguments = {"T": [text]}
        return {"ref": self._keep(error), "class": self._encode_class(type(error)),
                "args": arguments, "attrs": attributes, "text": text[:10_000]}

    def _decode_exception_value(self, spec: Any) -> BaseException:
        if not isinstance(spec, dict):
            raise ValueError("not an exception")
        if "home" in spec:
            found = self._objects.get(spec["home"])
            if not isinstance(found, BaseException):
                raise ValueError("a reference to no exception")
            return found
        cls = self._decode_class(spec["class"])
        args = self.decode(spec.get("args", {"T": []}))
        args = tuple(args) if isinstance(args, (list, tuple)) else (args,)
        if not self.trusting and not issubclass(cls, Exception):
            # SystemExit, KeyboardInterrupt and the like would stop the test
            # run itself; here they are an ordinary error of the code.
            cls, args = RemoteError, (f"{cls.__name__}: {spec.get('text', '')}",)
        try:
            error = cls(*args)
        except Exception:
            error = cls.__new__(cls)
            error.args = args
        for name, value in (spec.get("attrs") or {}).items():
            if isinstance(name, str) and not name.startswith("_"):
                try:
                    setattr(error, name, self.decode(value))
                except (AttributeError, TypeError, ValueError):
                    continue
        error._bridge_text = str(spec.get("text", ""))
        if isinstance(spec.get("ref"), int):
            with self._state_lock:
                self._exception_origins[id(error)] = (error, spec["ref"])
        return error

    def _decode_exception(self, spec: Any) -> BaseException:
        try:
            return self._decode_exception_value(spec)
        except (ValueError, TypeError, KeyError) as error:
            return RemoteError(f"an error that could not be read ({error})")

    def _encode_error(self, error: BaseException) -> dict:
        try:
            return self._encode_exception(error)
        except Exception:
            return {"class": {"builtin": "RuntimeError"}, "args": {"T": [repr(error)[:1000]]},
                    "attrs": {}, "text": repr(error)[:1000]}


def _copied_str(self: BaseException) -> str:
    text = getattr(self, "_bridge_text", None)
    return text if text is not None else BaseException.__str__(self)


def _usable_bases(bases: tuple[type, ...]) -> tuple[type, ...]:
    """Drop bases that make an inconsistent order (two builtins that cannot be mixed)."""
    kept: list[type] = []
    for base in bases:
        try:
            type("_Probe", (*kept, base), {})
        except TypeError:
            continue
        kept.append(base)
    return tuple(kept)


def connect(fd: int, *, side: str, trusting: bool,
            importable: tuple[str, ...] = ()) -> Endpoint:
    """An endpoint on the inherited socket ``fd``."""
    sock = socket.socket(fileno=fd)
    threading.stack_size(THREAD_STACK_BYTES)
    return Endpoint(sock, side=side, trusting=trusting, importable=importable)
