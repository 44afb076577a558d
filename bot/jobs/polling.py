"""When to ask a provider again.

Not a fixed tight loop: the provider's own hint (``openai-poll-after-ms`` / ``Retry-After``) is a
floor we never undercut, and the job's progress tells us when it should finish, so we sleep
until then instead of asking every second.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class PollPlan:
    floor: float = 0.5  # never ask more often than this
    ceiling: float = 30.0  # never leave a job unasked for longer
    samples: list[tuple[float, int]] = field(default_factory=list)  # (monotonic time, progress)
    started: float | None = None  # when the job was submitted (monotonic)

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

    def next_delay(self, now: float, hint: float | None = None) -> float:
        finish = self.expected_finish()
        if finish is not None:
            if finish > now:
                delay = finish - now + 0.05
            else:
                # Past the estimate: ask again soon, backing off gently if the provider is slow to finish.
                delay = self.floor + 0.25 * (now - finish)
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
