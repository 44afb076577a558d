"""When to ask a provider again.

Not a fixed tight loop: the provider's own hint (``openai-poll-after-ms`` / ``Retry-After``) is a
floor we never undercut, and the job's progress tells us when it should finish, so we sleep
until then instead of asking every second.

Before a job has shown enough progress to extrapolate from, a learned *pace* (how long this
provider took for jobs of this length, see :class:`PaceModel`) tells the plan when the job
should be done: the first status call then lands just after it finishes, so a typical job costs
one create and one or two status calls. A wrong pace costs little: an early call returns the
progress to extrapolate from, and no wait ever exceeds the ceiling.

Before anything is known about a provider (a cold start, a burst of jobs at once), a couple of
its jobs *scout*: they poll on their own progress until it gives a rate, and that rate becomes the
provider's pace at once; the other new jobs wait for it (never longer than the ceiling) instead of
each asking the provider the same questions.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

# After the expected finish, ask this long later (seconds, plus a share of the expected duration):
# early enough that the delay between the provider finishing and us noticing stays small, late
# enough that the job is usually done when we ask.
PACE_MARGIN = 0.1
PACE_MARGIN_SHARE = 0.03


@dataclass(slots=True)
class PollPlan:
    floor: float = 0.5  # never ask more often than this
    ceiling: float = 30.0  # never leave a job unasked for longer
    samples: list[tuple[float, int]] = field(default_factory=list)  # (monotonic time, progress)
    started: float | None = None  # when the job was submitted (monotonic)
    expected: float | None = None  # learned duration from submission to completion (seconds), if any

    def observe(self, now: float, progress: int | None) -> None:
        if progress is not None:
            self.samples.append((now, max(0, min(100, progress))))
            del self.samples[:-8]  # a short window keeps the rate estimate current

    def expected_finish(self) -> float | None:
        moving = [(t, p) for t, p in self.samples if 0 < p < 100]
        if len(moving) >= 2 and moving[-1][1] > moving[0][1]:
            (t0, p0), (t1, p1) = moving[0], moving[-1]
            rate = (p1 - p0) / (t1 - t0) if t1 > t0 else 0.0
            return t1 + (100 - p1) / rate if rate > 0 else None
        return None

    def paced_finish(self) -> float | None:
        """When the learned pace says the job finishes (monotonic), if a pace is known."""
        if self.expected is None or self.started is None:
            return None
        return self.started + self.expected

    def next_delay(self, now: float, hint: float | None = None) -> float:
        finish = self.expected_finish()
        paced = self.paced_finish()
        last = self.samples[-1][1] if self.samples else None
        if finish is not None:
            if finish > now:
                delay = finish - now + PACE_MARGIN
            else:
                # Past the estimate: ask again soon, backing off gently if the provider is slow to finish.
                delay = self.floor + 0.25 * (now - finish)
        elif paced is not None and paced > now and (last is None or last < 100):
            # No rate of our own yet, but jobs like this one took `expected`: ask just after that.
            assert self.expected is not None
            delay = paced - now + PACE_MARGIN + PACE_MARGIN_SHARE * self.expected
        elif paced is not None and last is not None and 0 < last < 100 and self.expected:
            # Asked at the paced time and it was not done yet: one more sample gives a rate; wait
            # about as long as the remaining share of the expected duration.
            delay = max(self.floor, (100 - last) / 100 * self.expected)
        elif self.samples and 0 < self.samples[-1][1] < 100:
            # One moving sample: a short wait gives a second one, and with it a rate.
            first_seen = self.samples[-1][0]
            since = now - (self.started if self.started is not None else first_seen)
            delay = max(self.floor, min(3.0, 0.25 * since))
        else:
            # Queued or no progress reported: back off with the job's age.
            since = now - self.started if self.started is not None else 0.0
            delay = max(self.floor, min(self.ceiling, 0.3 * since if since > 0 else 1.0))
        if hint is not None:
            delay = max(delay, hint)
        return max(self.floor, min(self.ceiling, delay))

    def finished_at(self, now: float, previous_call: float | None, reported: float | None = None) -> float:
        """Our best estimate of when a job seen completed at ``now`` really finished (monotonic).

        It finished after the previous call and by ``now``; ``reported`` is the provider's own
        completion time in whole seconds (``completed_at``, converted to this clock), which
        narrows that to one second. Inside the window the extrapolated finish wins, else the middle.
        """
        lo = previous_call if previous_call is not None else (self.started if self.started is not None else now)
        hi = now
        if reported is not None and max(lo, reported) <= min(hi, reported + 1.0):
            lo, hi = max(lo, reported), min(hi, reported + 1.0)
        guess = self.expected_finish()
        if guess is not None and lo <= guess <= hi:
            return guess
        return (lo + hi) / 2


@dataclass(slots=True)
class PaceModel:
    """How long a provider takes, learned from the jobs it finished (in this process).

    Kept per provider and video length (an exponentially weighted mean of the time from
    submission to completion); a length not seen yet is scaled from the provider's mean time per
    second of video. Nothing is learned from failed jobs.
    """

    weight: float = 0.3  # of the newest observation
    scouts: int = 2  # jobs per provider that find out its pace while nothing is known
    by_length: dict[tuple[str, int], float] = field(default_factory=dict)
    per_second: dict[str, float] = field(default_factory=dict)
    _scouting: dict[str, int] = field(default_factory=dict)
    _learned: dict[str, asyncio.Event] = field(default_factory=dict)

    def known(self, provider: str) -> bool:
        return provider in self.per_second

    def scout(self, provider: str) -> bool:
        """Should a new job of ``provider`` poll on its own? True while its pace is known (its plan has
        a pace) or while fewer than ``scouts`` jobs are finding it out; then call :meth:`done_scouting`."""
        if self.known(provider):
            return True
        if self._scouting.get(provider, 0) < self.scouts:
            self._scouting[provider] = self._scouting.get(provider, 0) + 1
            return True
        return False

    def done_scouting(self, provider: str) -> None:
        self._scouting[provider] = max(0, self._scouting.get(provider, 0) - 1)
        if not self._scouting[provider]:
            self._event(provider).set()  # no scout left: the waiting jobs go on by themselves

    async def wait_for_pace(self, provider: str, timeout: float) -> None:  # noqa: ASYNC109
        """Wait until the provider's pace is known (a scout found it), at most ``timeout`` seconds."""
        if self.known(provider):
            return
        try:
            await asyncio.wait_for(self._event(provider).wait(), max(0.0, timeout))
        except TimeoutError:
            pass

    def estimate(self, provider: str, seconds: int, took: float) -> None:
        """A scout's extrapolated duration: the provider's pace until real ones are observed."""
        if not self.known(provider):
            self.observe(provider, seconds, took)

    def _event(self, provider: str) -> asyncio.Event:
        event = self._learned.get(provider)
        if event is None:
            event = self._learned[provider] = asyncio.Event()
        return event

    def expected(self, provider: str, seconds: int) -> float | None:
        known = self.by_length.get((provider, seconds))
        if known is not None:
            return known
        rate = self.per_second.get(provider)
        return rate * seconds if rate is not None else None

    def observe(self, provider: str, seconds: int, took: float) -> None:
        if took <= 0 or seconds <= 0:
            return
        key = (provider, seconds)
        old = self.by_length.get(key)
        self.by_length[key] = took if old is None else old + self.weight * (took - old)
        rate = took / seconds
        old_rate = self.per_second.get(provider)
        self.per_second[provider] = rate if old_rate is None else old_rate + self.weight * (rate - old_rate)
        if old_rate is None:
            self._event(provider).set()
