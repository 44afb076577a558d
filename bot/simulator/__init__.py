"""A local video API server that speaks the OpenAI Videos shape and the task-gateway shape.

Start one in tests with ``SimulatorServer(speed=20)``; run one for a demo with
``sorabot simulate`` (:func:`serve`).
"""

from __future__ import annotations

from .faults import Faults, Markers, parse_markers, strip_markers
from .server import OPENAI_SECONDS, SimulatorServer, serve
from .state import Character, Job, RecordedRequest

__all__ = [
    "OPENAI_SECONDS",
    "Character",
    "Faults",
    "Job",
    "Markers",
    "RecordedRequest",
    "SimulatorServer",
    "parse_markers",
    "serve",
    "strip_markers",
]
