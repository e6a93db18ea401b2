"""Memoise whole view results per warehouse version.

A page callback is a pure function of its inputs and the warehouse file, so the result of a selection can be kept
until the ETL swaps in a new file (another inode, mtime or size): a repeated selection — the default view, the back
button, another analyst opening the same permalink — costs a dictionary lookup instead of queries and figure
building. Results are shared between requests and must not be mutated by callers.

``KPIDASH_VIEW_CACHE=0`` turns the cache off (the benchmark measures the first request of a selection with it),
except for ``catalogue=True`` results: facts of the catalogue (one per indicator definition, source or language, never
per selection) that every selection of an indicator shares, like the catalogue queries themselves.
"""

from __future__ import annotations

import functools
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from kpidash import config
from kpidash.data import connection as db

F = TypeVar("F", bound=Callable[..., Any])

_registry: list[Callable[[], None]] = []


def enabled() -> bool:
    return os.environ.get("KPIDASH_VIEW_CACHE", "1").strip().lower() not in ("0", "false", "no", "off")


def _freeze(value: Any) -> Any:
    """A hashable stand-in for callback inputs (lists of codes, dicts of state)."""
    if isinstance(value, list | tuple):
        return ("__seq__", *(_freeze(v) for v in value))
    if isinstance(value, dict):
        return ("__map__", *sorted((str(k), _freeze(v)) for k, v in value.items()))
    if isinstance(value, set | frozenset):
        return ("__set__", *sorted(repr(v) for v in value))
    try:
        hash(value)
    except TypeError:
        return ("__repr__", repr(value))
    return value


def per_warehouse(
    maxsize: int = 256, keep: Callable[[Any], bool] | None = None, catalogue: bool = False
) -> Callable[[F], F]:
    """Keep up to ``maxsize`` results (least recently used dropped) for the current warehouse version; with
    ``keep``, only results for which it returns True (e.g. bodies small enough to hold in memory); with
    ``catalogue``, also when KPIDASH_VIEW_CACHE=0 (see the module's docstring)."""

    def decorate(fn: F) -> F:
        cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        lock = threading.Lock()

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not catalogue and not enabled():
                return fn(*args, **kwargs)
            path = config.warehouse_path()
            try:
                stamp = db.warehouse_stamp(path)
            except FileNotFoundError:
                return fn(*args, **kwargs)  # let the query layer raise its clear message
            key = (str(path), stamp, _freeze(args), _freeze(kwargs))
            with lock:
                if key in cache:
                    cache.move_to_end(key)
                    return cache[key]
            result = fn(*args, **kwargs)  # computed outside the lock: two threads may both compute; both are right
            if keep is not None and not keep(result):
                return result
            with lock:
                cache[key] = result
                cache.move_to_end(key)
                while len(cache) > maxsize:
                    cache.popitem(last=False)
            return result

        def clear() -> None:
            with lock:
                cache.clear()

        wrapper.cache_clear = clear  # type: ignore[attr-defined]
        _registry.append(clear)
        return wrapper  # type: ignore[return-value]

    return decorate


def clear_all() -> None:
    """Forget every memoised view (tests; after the survey file changes)."""
    for clear in _registry:
        clear()
