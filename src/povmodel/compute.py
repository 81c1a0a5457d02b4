"""Where census-scale work runs: in this process or on a dask cluster.

The ``compute:`` section of a run config (:class:`povmodel.config.ComputeSettings`) picks one of

- ``mode: local`` (default): every chunk runs in this process, one after the other;
- ``mode: dask`` with ``workers`` (and ``threads_per_worker``, ``memory_limit``): a
  ``distributed.LocalCluster`` of worker *processes* is started for the duration of the
  :func:`compute_client` block;
- ``mode: dask`` with ``scheduler_address``: the chunks go to an existing cluster.

:func:`map_partitions` runs one function over a list of partitions (in practice: provinces)
either way and returns the results **in the order of the partitions**, so whatever is merged
afterwards is merged in the same order in every mode. Nothing random depends on the worker
that runs a partition: the census-scale functions (:mod:`povmodel.census_scale`) key every
random stream by the partition, which is why local and dask results are bit-identical.

A script that starts a ``LocalCluster`` must guard its entry point with
``if __name__ == "__main__":``: the worker processes are *spawned* and re-import the main
module. :func:`compute_client` detects a missing guard and says so instead of hanging.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from povmodel.config import ComputeSettings
from povmodel.errors import ConfigError, PovmodelError, Problem

__all__ = ["ComputeSettings", "compute_client", "map_partitions", "peak_memory_mb", "settings_from", "worker_threads"]

#: LocalCluster workers when ``workers`` is not given.
DEFAULT_WORKERS = 2
_TRIM_KEY = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"


def settings_from(value: ComputeSettings | dict | str | None) -> ComputeSettings:
    """A :class:`ComputeSettings` from settings, a mapping (the ``compute:`` section of a
    config), ``"local"``/``"dask"`` or ``None`` (local); invalid values raise
    :class:`~povmodel.errors.ConfigError` naming every problem."""
    if value is None:
        return ComputeSettings()
    if isinstance(value, ComputeSettings):
        return value
    if isinstance(value, str):
        value = {"mode": value}
    if not isinstance(value, dict):
        raise ConfigError([Problem(f"expected a mapping, got {type(value).__name__}", location="compute")],
                          title="invalid compute settings")
    from pydantic import ValidationError

    try:
        return ComputeSettings.model_validate(value)
    except ValidationError as exc:
        problems = [Problem(e["msg"].removeprefix("Value error, "),
                            location=".".join(["compute", *map(str, e["loc"])]))
                    for e in exc.errors()]
        raise ConfigError(problems, title="invalid compute settings") from None


def _spawned_without_guard() -> bool:
    """True while a spawned child process is re-importing ``__main__`` (bootstrapping)."""
    return bool(getattr(multiprocessing.current_process(), "_inheriting", False))


@contextmanager
def compute_client(settings: ComputeSettings | dict | str | None = None) -> Iterator[Any]:
    """A dask ``distributed.Client`` for ``settings`` (``None`` in local mode), closed (and its
    ``LocalCluster`` shut down) when the block ends.

    Examples
    --------
    >>> with compute_client({"mode": "dask", "workers": 2}) as client:   # doctest: +SKIP
    ...     results = map_partitions(func, provinces, client=client)
    """
    s = settings_from(settings)
    if s.mode == "local":
        yield None
        return
    if _spawned_without_guard():
        raise PovmodelError(
            "a dask LocalCluster was started while a worker process imported the main script: guard the "
            "script's entry point with `if __name__ == \"__main__\":` (the workers are spawned and re-import it)")
    from distributed import Client, LocalCluster

    if s.scheduler_address is not None:
        try:
            client = Client(s.scheduler_address, timeout="20s")
        except OSError as exc:
            raise ConfigError([Problem(f"cannot reach the dask scheduler: {exc}", location="compute.scheduler_address")],
                              title="dask cluster unavailable") from None
        try:
            yield client
        finally:
            client.close()
        return
    import dask

    # dask spawns workers with MALLOC_TRIM_THRESHOLD_=65536, which also freezes glibc's mmap
    # threshold at 128 kB: every array the vectorised code allocates is then a fresh mmap and
    # page-faulted in, which made the 50-draw shock scenario 1.75x slower than in-process
    # (measured, benchmarks/bench_scale.py). Our tasks free their arrays as they go, so glibc's
    # default (dynamic) thresholds are used instead.
    with dask.config.set({_TRIM_KEY: None}):
        cluster = LocalCluster(n_workers=s.workers or DEFAULT_WORKERS, threads_per_worker=s.threads_per_worker,
                               processes=True, memory_limit=s.memory_limit or "auto", dashboard_address=":0",
                               silence_logs=40)
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def worker_threads() -> int:
    """Threads a task may use: its dask worker's threads on a cluster, else every core."""
    try:
        from distributed import get_worker

        return max(1, get_worker().state.nthreads)
    except (ImportError, ValueError):
        return os.cpu_count() or 1


def map_partitions(func: Callable, partitions: Sequence, *, client=None, shared: dict | None = None,
                   cost: Sequence[float] | None = None, **kwargs) -> list:
    """``[func(p, **shared, **kwargs) for p in partitions]`` in this process (``client`` None)
    or on the dask cluster of ``client``; the results come back in the order of
    ``partitions`` either way.

    ``shared`` objects are sent to the cluster once (``client.scatter``, broadcast) rather
    than with every task; ``cost`` (e.g. households per partition) makes the largest
    partitions start first so the workers finish together.
    """
    shared = dict(shared or {})
    if client is None:
        return [func(p, **shared, **kwargs) for p in partitions]
    scattered = {k: client.scatter(v, broadcast=True, hash=False) for k, v in shared.items()}
    order = list(range(len(partitions)))
    if cost is not None:
        order.sort(key=lambda i: -float(cost[i]))
    futures = {}
    for rank, i in enumerate(order):
        # priority: earlier (costlier) partitions first; pure=False: a task per partition
        futures[i] = client.submit(func, partitions[i], **scattered, **kwargs, pure=False, priority=-rank,
                                   key=f"{getattr(func, '__name__', 'task')}-{i}-{os.urandom(4).hex()}")
    try:
        return client.gather([futures[i] for i in range(len(partitions))])
    finally:
        for f in futures.values():
            f.release()


def peak_memory_mb(client=None) -> dict[str, float]:
    """Peak resident memory (``VmHWM``) in MB of this process and, with ``client``, of each
    dask worker process."""
    out = {"client": _vmhwm()}
    if client is not None:
        for addr, mb in client.run(_vmhwm).items():
            out[addr] = mb
    return out


def _vmhwm() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
