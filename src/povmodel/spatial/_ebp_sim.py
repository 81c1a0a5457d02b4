"""Monte Carlo engine of the EBP: census blocks, seeded draws, per-area accumulation.

The census arrives as blocks of ``chunk_size`` rows (whatever the chunking of the caller's
frames). Rows of a block are sorted by area so that per-area sums are ``np.add.reduceat``
(vectorised, GIL-free, ~20x faster than ``np.bincount``). Each *job* is a set of draws from one
parameter set: the point prediction (L draws), and per bootstrap replicate its true population
(one draw) and its re-prediction (``L_boot`` draws).

Random numbers: the unit errors of job j, draw d and census rows [65536 k, 65536 (k + 1)) come
from ``SeedSequence(entropy, spawn_key=(1, j, d, k))``, the area effects of job j in area a
from ``(2, j, hash(a))``; nothing depends on the thread, the number of workers, the caller's
chunking or ``chunk_size`` (a multiple of 65,536). Block results are reduced in block order, so
results are bit-identical for any number of workers and any chunking of the census frames.

Memory: at most ``2 workers + 1`` blocks are alive; accumulators are per area (per draw for the
point job: L x indicators x areas, a few MB). Callable indicators need each area's whole
population per draw and run on the census held in memory instead (:meth:`Engine.run_in_memory`).
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from povmodel.spatial._ebp_transform import Transform

RNG_BLOCK = 65_536
E_STREAM, U_STREAM, BOOT_E_STREAM, BOOT_U_STREAM = 1, 2, 3, 4
BUILTINS = ("fgt0", "fgt1", "fgt2", "mean")


def generator(entropy: int, *key: int) -> np.random.Generator:
    """The generator of stream ``key`` (independent of every other key): SFC64, whose normals
    cost ~20% less than PCG64's here, seeded through ``SeedSequence``."""
    return np.random.Generator(np.random.SFC64(np.random.SeedSequence(entropy, spawn_key=key)))


def area_key(label) -> int:
    """A stable 64-bit key of an area label (the same in every run and process)."""
    return int.from_bytes(hashlib.blake2b(str(label).encode(), digest_size=8).digest(), "little")


@dataclass
class Job:
    """Draws from one parameter set.

    ``u_mean`` / ``u_sd``: conditional mean and sd of the area effect for sample areas (index
    < len), ``out_sd`` for the others; ``truth_b`` >= 0 marks a bootstrap population whose area
    effects are the replicate's own (sigma_u times a normal of stream ``(4, b, hash(area))``).
    """

    id: int
    n_draws: int
    beta: np.ndarray
    sigma_e: float
    transform: Transform
    u_mean: np.ndarray
    u_sd: np.ndarray
    out_sd: float
    keep_draws: bool = False
    truth_b: int = -1
    sigma_u: float = 0.0
    sample_y: np.ndarray | None = None  # observed (or bootstrap) sample welfare, sample order
    u: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # (n_draws, areas)

    def extend_u(self, entropy: int, keys: list[int], start: int) -> None:
        """Area effects of every draw for areas ``start..len(keys)-1``."""
        cols = []
        for idx in range(start, len(keys)):
            if self.truth_b >= 0:
                value = self.sigma_u * generator(entropy, BOOT_U_STREAM, self.truth_b, keys[idx]).standard_normal()
                cols.append(np.full(self.n_draws, value))
                continue
            v = generator(entropy, U_STREAM, self.id, keys[idx]).standard_normal(self.n_draws)
            if idx < len(self.u_mean):
                cols.append(self.u_mean[idx] + self.u_sd[idx] * v)
            else:
                cols.append(self.out_sd * v)
        if cols:
            new = np.column_stack(cols)
            self.u = new if self.u.size == 0 else np.concatenate([self.u, new], axis=1)


class Registry:
    """Area labels seen so far (sample areas first) and each job's area effects."""

    def __init__(self, sample_labels, entropy: int, jobs: list[Job]):
        self.labels: list = list(sample_labels)
        self.index = {a: i for i, a in enumerate(self.labels)}
        self.keys = [area_key(a) for a in self.labels]
        self.n_sample = len(self.labels)
        self.entropy, self.jobs = entropy, jobs
        for job in jobs:
            job.extend_u(entropy, self.keys, 0)

    def codes(self, uniques) -> np.ndarray:
        """Indices of ``uniques`` (registering new areas)."""
        start = len(self.labels)
        out = np.empty(len(uniques), dtype=np.intp)
        for i, a in enumerate(uniques):  # a loop over areas, not households
            j = self.index.get(a)
            if j is None:
                j = self.index[a] = len(self.labels)
                self.labels.append(a)
                self.keys.append(area_key(a))
            out[i] = j
        if len(self.labels) > start:
            for job in self.jobs:
                job.extend_u(self.entropy, self.keys, start)
        return out

    def __len__(self) -> int:
        return len(self.labels)


@dataclass
class Block:
    """Rows of the census sorted by area (``perm``: sorted position -> position in the block)."""

    index: int
    row0: int
    perm: np.ndarray
    seg_starts: np.ndarray
    seg_area: np.ndarray
    seg_len: np.ndarray
    seg_of_row: np.ndarray
    X: np.ndarray | None
    line: np.ndarray | float
    w: np.ndarray | None
    fixed: bool = False

    @property
    def n(self) -> int:
        return len(self.perm)

    @classmethod
    def build(cls, index: int, row0: int, X, codes, line, w, *, fixed: bool = False) -> Block:
        perm = np.argsort(codes, kind="stable")
        sc = codes[perm]
        starts = np.flatnonzero(np.r_[True, sc[1:] != sc[:-1]]) if len(sc) else np.zeros(0, dtype=np.intp)
        lens = np.diff(np.r_[starts, len(sc)])
        line = line[perm] if isinstance(line, np.ndarray) else float(line)
        return cls(index, row0, perm, starts, sc[starts], lens, np.repeat(np.arange(len(starts)), lens),
                   None if X is None else X[perm], line, None if w is None else w[perm], fixed)

    def rng_parts(self):
        """(RNG block number, start, stop) of the block's rows, in their original order."""
        r, end = self.row0, self.row0 + self.n
        while r < end:
            k = r // RNG_BLOCK
            stop = min(end, (k + 1) * RNG_BLOCK)
            yield k, r - self.row0, stop - self.row0
            r = stop


class Reblocker:
    """Cuts a stream of prepared arrays into blocks of ``size`` rows."""

    def __init__(self, size: int):
        self.size, self.parts, self.pending, self.row0, self.count = size, [], 0, 0, 0

    def push(self, X, codes, line, w) -> Iterator[Block]:
        self.parts.append((X, codes, line, w))
        self.pending += len(codes)
        while self.pending >= self.size:
            yield self._cut(self.size)

    def flush(self) -> Iterator[Block]:
        if self.pending:
            yield self._cut(self.pending)

    def _cut(self, n: int) -> Block:
        take, rest, got = [], [], 0
        for part in self.parts:
            k = len(part[1])
            if got >= n:
                rest.append(part)
            elif got + k <= n:
                take.append(part)
                got += k
            else:
                cut = n - got
                take.append(tuple(_head(p, cut) for p in part))
                rest.append(tuple(_tail(p, cut) for p in part))
                got = n
        self.parts, self.pending = rest, self.pending - n
        X = np.concatenate([t[0] for t in take])
        codes = np.concatenate([t[1] for t in take])
        lines = [t[2] for t in take]
        line = lines[0] if all(np.isscalar(v) for v in lines) else np.concatenate(
            [np.full(len(t[1]), t[2]) if np.isscalar(t[2]) else t[2] for t in take])
        w = None if take[0][3] is None else np.concatenate([t[3] for t in take])
        block = Block.build(self.count, self.row0, X, codes, line, w)
        self.count += 1
        self.row0 += n
        return block


def _head(a, k):
    return a if a is None or np.isscalar(a) else a[:k]


def _tail(a, k):
    return a if a is None or np.isscalar(a) else a[k:]


class _Scratch:
    """Per-task buffers (no per-draw allocation: large temporaries would mmap per draw and
    serialise the threads on page faults)."""

    def __init__(self, n: int, k: int):
        self.e0 = np.empty(n)
        self.z = np.empty(n)
        self.t = np.empty(n)
        self.buf = np.empty((max(k, 1), n))
        self.flag = np.empty(n, dtype=bool)


def draw_y(block: Block, job: Job, d: int, mu: np.ndarray, u_block: np.ndarray, entropy: int,
           s: _Scratch) -> np.ndarray:
    """Welfare of the block's rows (sorted by area) in draw ``d`` of ``job``."""
    n = block.n
    if block.fixed:
        return job.sample_y[block.perm]
    e0, z = s.e0[:n], s.z[:n]
    for k, a, b in block.rng_parts():
        generator(entropy, E_STREAM, job.id, d, k).standard_normal(out=e0[a:b])
    np.take(e0, block.perm, out=z)
    z *= job.sigma_e
    z += mu
    np.take(u_block[d], block.seg_of_row, out=s.t[:n])
    z += s.t[:n]
    return job.transform.inverse(z, out=z)


def builtin_sums(y: np.ndarray, block: Block, kinds: tuple[str, ...], s: _Scratch) -> np.ndarray:
    """Per-area (weighted) sums of each built-in indicator's numerator: (len(kinds), areas)."""
    n = block.n
    buf, t = s.buf[:, :n], s.t[:n]
    if any(k.startswith("fgt") for k in kinds):
        np.divide(y, block.line, out=t)
        np.subtract(1.0, t, out=t)  # 1 - y / line: >= 0 exactly when y <= line
    for i, k in enumerate(kinds):
        row = buf[i]
        if k == "fgt0":
            np.greater_equal(t, 0.0, out=s.flag[:n])
            row[...] = s.flag[:n]
        elif k == "fgt1":
            np.maximum(t, 0.0, out=row)
        elif k == "fgt2":
            np.maximum(t, 0.0, out=row)
            row *= row
        else:
            row[...] = y
        if block.w is not None:
            row *= block.w
    if not kinds or not len(block.seg_starts):
        return np.zeros((len(kinds), len(block.seg_starts)))
    return np.add.reduceat(buf[: len(kinds)], block.seg_starts, axis=1)


class Engine:
    """Runs the jobs over the census blocks; see the module docstring."""

    def __init__(self, entropy: int, jobs: list[Job], kinds: tuple[str, ...], workers: int):
        self.entropy, self.jobs, self.kinds, self.workers = entropy, jobs, kinds, max(1, int(workers))
        k = len(kinds)
        # per job: per-draw (n_draws, k, areas) or summed over draws (k, areas)
        self.sums = [np.zeros((j.n_draws, k, 0)) if j.keep_draws else np.zeros((k, 0)) for j in jobs]
        self.pop = np.zeros(0)
        self.rows = np.zeros(0, dtype=np.int64)

    def _grow(self, m: int) -> None:
        if m <= len(self.pop):
            return
        extra = m - len(self.pop)
        self.pop = np.r_[self.pop, np.zeros(extra)]
        self.rows = np.r_[self.rows, np.zeros(extra, dtype=np.int64)]
        self.sums = [np.concatenate([a, np.zeros((*a.shape[:-1], extra))], axis=-1) for a in self.sums]

    def _block_task(self, block: Block, u_parts: list[np.ndarray]) -> list[np.ndarray]:
        s = _Scratch(block.n, len(self.kinds))
        out = []
        for job, u_block in zip(self.jobs, u_parts, strict=True):
            mu = None if block.fixed else block.X @ job.beta
            acc = np.zeros((job.n_draws, len(self.kinds), len(block.seg_area))) if job.keep_draws \
                else np.zeros((len(self.kinds), len(block.seg_area)))
            for d in range(job.n_draws):
                part = builtin_sums(draw_y(block, job, d, mu, u_block, self.entropy, s), block, self.kinds, s)
                if job.keep_draws:
                    acc[d] = part
                else:
                    acc += part
            out.append(acc)
        return out

    def _take(self, block: Block, parts: list[np.ndarray], m: int) -> None:
        self._grow(m)
        a = block.seg_area
        for acc, part in zip(self.sums, parts, strict=True):
            acc[..., a] += part
        self.pop[a] += block.seg_len if block.w is None else np.add.reduceat(block.w, block.seg_starts)
        if not block.fixed:
            self.rows[a] += block.seg_len

    def run_streaming(self, blocks: Iterable[Block], registry: Registry) -> None:
        """Every job over ``blocks`` (consumed once), ``workers`` blocks at a time."""
        if self.workers == 1:
            for block in blocks:
                u_parts = [j.u[:, block.seg_area] for j in self.jobs]
                self._take(block, self._block_task(block, u_parts), len(registry))
            return
        with ThreadPoolExecutor(self.workers) as ex:
            pending: deque = deque()
            for block in blocks:
                u_parts = [j.u[:, block.seg_area] for j in self.jobs]
                pending.append((block, ex.submit(self._block_task, block, u_parts)))
                while len(pending) > 2 * self.workers:
                    b, fut = pending.popleft()
                    self._take(b, fut.result(), len(registry))
            while pending:
                b, fut = pending.popleft()
                self._take(b, fut.result(), len(registry))

    def run_in_memory(self, blocks: list[Block], registry: Registry, callables: list[Callable],
                      higher: np.ndarray | None, n_higher: int, pass_weight: list[bool]):
        """Every job over ``blocks`` held in memory, draw by draw, with the callable indicators
        evaluated on each area's (and each higher area's) whole population per draw.

        Returns, per job, the callable values: (n_draws, C, areas + higher) if ``keep_draws``,
        else summed over draws (C, areas + higher).
        """
        m = len(registry)
        self._grow(m)
        codes = np.concatenate([b.seg_area[b.seg_of_row] for b in blocks])
        order = np.argsort(codes, kind="stable")
        sc = codes[order]
        area_starts = np.flatnonzero(np.r_[True, sc[1:] != sc[:-1]])
        area_ids = sc[area_starts]
        bounds = np.r_[area_starts, len(sc)]
        line_all = np.concatenate([np.broadcast_to(b.line, (b.n,)) for b in blocks])[order]
        w_all = None if blocks[0].w is None else np.concatenate([b.w for b in blocks])[order]
        h_order = h_bounds = h_ids = None
        if higher is not None:
            hc = higher[sc]
            h_order = np.argsort(hc, kind="stable")
            hs = hc[h_order]
            h_starts = np.flatnonzero(np.r_[True, hs[1:] != hs[:-1]])
            h_ids, h_bounds = hs[h_starts], np.r_[h_starts, len(hs)]
        n_c = len(callables)

        def evaluate(y, lo, hi, idx=None):
            vals = np.empty(n_c)
            if idx is None:
                ys, ls, ws = y[lo:hi], line_all[lo:hi], None if w_all is None else w_all[lo:hi]
            else:
                sel = idx[lo:hi]
                ys, ls, ws = y[sel], line_all[sel], None if w_all is None else w_all[sel]
            line = ls[0] if np.all(ls == ls[0]) else ls
            for c, f in enumerate(callables):
                vals[c] = f(ys, line, ws) if pass_weight[c] else f(ys, line)
            return vals

        def task(job, mus, d):
            s = _Scratch(max(b.n for b in blocks), len(self.kinds))
            ys, parts = [], []
            for b, mu in zip(blocks, mus, strict=True):
                y = draw_y(b, job, d, mu, job.u[:, b.seg_area], self.entropy, s)
                parts.append(builtin_sums(y, b, self.kinds, s))
                ys.append(y.copy())
            y_sorted = np.concatenate(ys)[order]
            vals = np.full((n_c, m + n_higher), np.nan)
            for i, a in enumerate(area_ids):  # loops over areas, not households
                vals[:, a] = evaluate(y_sorted, bounds[i], bounds[i + 1])
            if higher is not None:
                for i, h in enumerate(h_ids):
                    vals[:, m + h] = evaluate(y_sorted, h_bounds[i], h_bounds[i + 1], h_order)
            return parts, vals

        out = []
        with ThreadPoolExecutor(self.workers) as ex:
            for ji, job in enumerate(self.jobs):
                mus = [None if b.fixed else b.X @ job.beta for b in blocks]
                results = ex.map(lambda d, job=job, mus=mus: task(job, mus, d), range(job.n_draws))
                cvals = np.zeros((job.n_draws, n_c, m + n_higher)) if job.keep_draws \
                    else np.zeros((n_c, m + n_higher))
                for d, (parts, vals) in enumerate(results):
                    total = np.zeros((len(self.kinds), m))
                    for b, part in zip(blocks, parts, strict=True):
                        total[:, b.seg_area] += part
                    if job.keep_draws:
                        self.sums[ji][d] += total
                        cvals[d] = vals
                    else:
                        self.sums[ji] += total
                        cvals += vals
                out.append(cvals)
        for b in blocks:
            self.pop[b.seg_area] += b.seg_len if b.w is None else np.add.reduceat(b.w, b.seg_starts)
            if not b.fixed:
                self.rows[b.seg_area] += b.seg_len
        return out
