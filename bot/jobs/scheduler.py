"""Fair service of queued jobs: round-robin across scopes, then across members within a scope.

A busy server cannot starve a quiet one, and within a server one member's burst cannot starve
another member; FIFO would do both.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator

from bot.jobs.model import Job


class FairQueue:
    def __init__(self) -> None:
        self._scopes: deque[str] = deque()
        self._members: dict[str, deque[str]] = {}
        self._jobs: dict[tuple[str, str], deque[Job]] = {}
        self._index: dict[str, tuple[str, str]] = {}
        self._sizes: dict[str, int] = {}  # queued jobs per scope, kept as they come and go (position's sums)

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, job_id: str) -> bool:
        return job_id in self._index

    def push(self, job: Job) -> None:
        if job.id in self._index:
            return
        key = (job.scope_id, job.user_id)
        if job.scope_id not in self._members:
            self._members[job.scope_id] = deque()
            self._scopes.append(job.scope_id)
        if key not in self._jobs:
            self._jobs[key] = deque()
            self._members[job.scope_id].append(job.user_id)
        self._jobs[key].append(job)
        self._index[job.id] = key
        self._sizes[job.scope_id] = self._sizes.get(job.scope_id, 0) + 1

    def get(self, job_id: str) -> Job | None:
        """The queued job with this id, if it is queued."""
        key = self._index.get(job_id)
        if key is None:
            return None
        return next((j for j in self._jobs[key] if j.id == job_id), None)

    def remove(self, job_id: str) -> Job | None:
        key = self._index.pop(job_id, None)
        if key is None:
            return None
        q = self._jobs[key]
        job = next(j for j in q if j.id == job_id)
        q.remove(job)
        self._sizes[key[0]] -= 1
        self._drop_if_empty(key)
        return job

    def pop(self, can_start: Callable[[Job], bool] = lambda _j: True) -> Job | None:
        """The next job in fair order whose provider can take it now; None if there is none."""
        for _ in range(len(self._scopes)):
            scope = self._scopes[0]
            self._scopes.rotate(-1)
            members = self._members[scope]
            for _ in range(len(members)):
                member = members[0]
                members.rotate(-1)
                q = self._jobs[(scope, member)]
                if can_start(q[0]):
                    job = q.popleft()
                    del self._index[job.id]
                    self._sizes[scope] -= 1
                    self._drop_if_empty((scope, member))
                    return job
        return None

    def position(self, job_id: str) -> int:
        """1-based place of the job in the fair order, exact while no provider capacity blocks."""
        key = self._index.get(job_id)
        if key is None:
            return 0
        scope, member = key
        within = next(i for i, j in enumerate(self._jobs[key]) if j.id == job_id)
        # The scope's turn at which this job is served: every member with more jobs serves one per round.
        turn = 0
        for m in self._members[scope]:
            n = len(self._jobs[(scope, m)])
            if m == member:
                break
            turn += min(n, within + 1)
        turn += sum(min(len(self._jobs[(scope, m)]), within) for m in
                    list(self._members[scope])[list(self._members[scope]).index(member):])
        ahead = turn
        before = True
        for other in self._scopes:
            if other == scope:
                before = False
                continue
            total = self._sizes[other]
            ahead += min(total, turn) + (1 if before and total > turn else 0)
        return ahead + 1

    def jobs(self) -> Iterator[Job]:
        for q in self._jobs.values():
            yield from q

    def _drop_if_empty(self, key: tuple[str, str]) -> None:
        scope, member = key
        if self._jobs[key]:
            return
        del self._jobs[key]
        self._members[scope].remove(member)
        if not self._members[scope]:
            del self._members[scope]
            del self._sizes[scope]
            self._scopes.remove(scope)
