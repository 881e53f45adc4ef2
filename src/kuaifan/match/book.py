"""A factory's capacity book: free capacity per day and the jobs booked on it.

A job needs ``units`` of capacity between its first production day ``start`` and its completion day
``end`` (both inclusive). Jobs may share days in any proportion (a factory runs several styles at
once), so a set of jobs fits if and only if, for every interval [a, b], the jobs lying inside it
need no more than the free capacity of its days (Hall's condition for interval windows). The book
keeps that slack for every interval as an H × H matrix (H: days of the horizon, a few dozen), so
the room left for a new job is one lookup.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
EPS = 1e-6


@dataclass(frozen=True, slots=True)
class Job:
    key: object  # whose job (e.g. (order index, factory index))
    start: int
    end: int
    units: float  # capacity units (order units × work factor)


@dataclass
class FactoryBook:
    free: F64  # free capacity on each day 0..H-1 (beyond H: none)
    jobs: list[Job] = field(default_factory=list)

    def __post_init__(self) -> None:
        h = len(self.free)
        cum = np.concatenate([[0.0], np.cumsum(np.maximum(self.free, 0.0))])
        a, b = np.meshgrid(np.arange(h), np.arange(h), indexing="ij")
        self._capacity = np.where(b >= a, cum[np.minimum(b + 1, h)] - cum[a], np.inf)  # (a, b)
        self._used = np.zeros((h, h))
        for job in self.jobs:
            self._book(job, +1.0)
        self._room: F64 | None = None

    @property
    def horizon(self) -> int:
        return len(self.free)

    def _book(self, job: Job, sign: float) -> None:
        if 0 <= job.start <= job.end < self.horizon:
            self._used[job.start, job.end] += sign * job.units
        self._room = None

    def slack_matrix(self) -> F64:
        """(a, b) -> free capacity of days a..b minus the capacity of the jobs inside [a, b]."""
        inside = np.cumsum(np.cumsum(self._used[::-1, :], axis=0)[::-1, :], axis=1)
        out: F64 = self._capacity - inside
        return out

    def _rooms(self) -> F64:
        if self._room is None:
            s = self.slack_matrix()
            s = np.minimum.accumulate(s, axis=0)  # min over a' <= a
            s = np.minimum.accumulate(s[:, ::-1], axis=1)[:, ::-1]  # min over b' >= b
            self._room = np.maximum(s, 0.0)
        return self._room

    def room(self, start: int, end: int) -> float:
        """The most capacity a new job with window [start, end] can get with every booked job kept in
        its window: the least slack over the intervals that would contain it."""
        if end < start or start >= self.horizon or end < 0:
            return 0.0
        return float(self._rooms()[max(start, 0), min(end, self.horizon - 1)])

    def rooms(self, start: int, ends: npt.ArrayLike) -> F64:
        """``room(start, e)`` for each of ``ends`` (0 where e < start or outside the horizon)."""
        e = np.asarray(ends, dtype=np.int64)
        out = np.zeros(len(e))
        if start >= self.horizon:
            return out
        ok = (e >= start) & (e >= 0)
        out[ok] = self._rooms()[max(start, 0), np.minimum(e[ok], self.horizon - 1)]
        return out

    def add(self, job: Job) -> None:
        self.jobs.append(job)
        self._book(job, +1.0)

    def remove(self, key: object) -> list[Job]:
        gone = [j for j in self.jobs if j.key == key]
        self.jobs = [j for j in self.jobs if j.key != key]
        for job in gone:
            self._book(job, -1.0)
        return gone

    def fits(self, tolerance: float = EPS) -> bool:
        """Every interval has the capacity its jobs need."""
        s = self.slack_matrix()
        return bool(
            (
                s >= -tolerance * np.maximum(1.0, np.where(np.isfinite(self._capacity), self._capacity, 1.0))
            ).all()
        )

    def schedule(self) -> F64:
        """Production per job (rows follow ``self.jobs``) and day, earliest end first among the jobs
        already started: a schedule that keeps every job in its window whenever the book fits."""
        out = np.zeros((len(self.jobs), self.horizon))
        left = np.array([j.units for j in self.jobs], dtype=np.float64)
        order = sorted(range(len(self.jobs)), key=lambda i: (self.jobs[i].end, self.jobs[i].start))
        for day in range(self.horizon):
            cap = max(0.0, float(self.free[day]))
            for i in order:
                if cap <= EPS:
                    break
                if self.jobs[i].start <= day and left[i] > EPS:
                    take = min(cap, left[i])
                    out[i, day] += take
                    left[i] -= take
                    cap -= take
        return out
