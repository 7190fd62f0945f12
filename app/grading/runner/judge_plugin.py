"""The judge's pytest plugin: ``solution`` is the candidate's code, reached over the bridge.

Loaded with ``-p judge_plugin``; the bridge's socket is the inherited file
descriptor named by ARCHBOARD_BRIDGE_FD. ``import solution`` and
``from solution import X`` work as usual (and fail as usual when the code
does not import), but every use of what they give runs in the subject's
process, never in this one.
"""

import importlib.abc
import importlib.util
import os
import sys

import bridge

_endpoint = None


class _RemoteSolution(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``solution`` and loads it as a proxy to the module in the subject."""

    def find_spec(self, name, path, target=None):
        if name != "solution":
            return None
        return importlib.util.spec_from_loader(name, self)

    def create_module(self, spec):
        return None

    def exec_module(self, module) -> None:
        remote = _endpoint.import_module("solution")  # raises what the code's import raised

        def attribute(name: str):
            if name.startswith("__") and name.endswith("__"):
                raise AttributeError(name)
            return getattr(remote, name)

        module.__getattr__ = attribute
        module.__doc__ = "The candidate's code, in another process."


def pytest_configure(config) -> None:
    global _endpoint
    _endpoint = bridge.connect(int(os.environ["ARCHBOARD_BRIDGE_FD"]), side="j",
                               trusting=False)
    sys.meta_path.insert(0, _RemoteSolution())


def pytest_runtest_logstart(nodeid, location) -> None:
    _endpoint.note(nodeid.rsplit("::", 1)[-1])


def pytest_unconfigure(config) -> None:
    if _endpoint is not None:
        _endpoint.close()
