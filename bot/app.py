"""The one place that wires the core together (``build_core``), with parts tests may override."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from bot import media
from bot.catalogue import Catalogue
from bot.characters import CharacterService
from bot.commands import Commands
from bot.config import Settings
from bot.context import Authorizer
from bot.jobs.intake import JobIntake
from bot.jobs.janitor import Janitor
from bot.jobs.runner import JobRunner, RecoveryReport
from bot.providers import make_provider
from bot.providers.base import VideoProvider
from bot.providers.registry import ProviderHandle, ProviderRegistry
from bot.quotas import QuotaService
from bot.simulator.server import SimulatorServer
from bot.snapshots import SnapshotService
from storage.characters import CharacterRepo
from storage.db import Database
from storage.jobs import JobRepo
from storage.ledger import LedgerRepo
from storage.scopes import ScopeRepo

log = logging.getLogger("sorabot")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Core:
    settings: Settings
    catalogue: Catalogue
    db: Database
    auth: Authorizer
    scopes: ScopeRepo
    jobs: JobRepo
    ledger: LedgerRepo
    character_repo: CharacterRepo
    registry: ProviderRegistry
    runner: JobRunner
    intake: JobIntake
    quotas: QuotaService
    snapshots: SnapshotService
    characters: CharacterService
    commands: Commands
    clock: Callable[[], dt.datetime]
    simulator: SimulatorServer | None = None
    janitor: Janitor | None = None

    async def start(self) -> RecoveryReport:
        """Resume unfinished jobs and start scheduling. Register adapters' ports before this."""
        report = await self.runner.start()
        if self.janitor is not None:
            self.janitor.start()
        return report

    async def stop(self) -> None:
        if self.janitor is not None:
            await self.janitor.stop()
        await self.runner.stop()
        await self.registry.aclose()
        if self.simulator is not None:
            await self.simulator.stop()
        await self.db.dispose()


async def build_core(settings: Settings, *, clock: Callable[[], dt.datetime] = utcnow,
                     providers: Mapping[str, VideoProvider] | None = None,
                     simulator: SimulatorServer | None = None, backoff_base: float = 0.5,
                     breaker_clock: Callable[[], float] = time.monotonic) -> Core:
    """Build (and migrate) everything. ``providers`` replaces configured providers by name;
    a provider of kind ``simulator`` or ``simulator-gateway`` is served by ``simulator`` or by one
    started here (one server speaks both shapes). ``breaker_clock`` drives the circuit breakers'
    cool-downs (tests step it)."""
    db = Database(settings.storage.url)
    await db.migrate()
    media_dir = Path(settings.storage.media_dir)
    media_dir.mkdir(parents=True, exist_ok=True)
    catalogue = Catalogue(settings.snapshots, settings.environment)
    auth = Authorizer(owners=settings.owners,
                      admin_role_ids={"discord": [str(r) for r in settings.discord.admin_role_ids]})
    scopes, jobs, ledger, character_repo = ScopeRepo(db), JobRepo(db), LedgerRepo(db), CharacterRepo(db)

    started_sim: SimulatorServer | None = None
    handles: list[ProviderHandle] = []
    for pc in settings.providers:
        if providers and pc.name in providers:
            handles.append(ProviderHandle(pc.name, pc, providers[pc.name]))
            continue
        base_url = None
        if pc.kind in ("simulator", "simulator-gateway"):
            if simulator is None:
                simulator = started_sim = SimulatorServer(
                    speed=settings.simulator.speed, render_width=settings.simulator.render_width,
                    render_fps=settings.simulator.render_fps, media_dir=media_dir / "simulator")
            base_url = await simulator.start()  # idempotent: a running simulator returns its URL
        handles.append(ProviderHandle(pc.name, pc, make_provider(pc, base_url=base_url, backoff_base=backoff_base)))
    registry = ProviderRegistry(handles, clock=breaker_clock)

    runner = JobRunner(settings=settings, catalogue=catalogue, db=db, jobs=jobs, ledger=ledger, registry=registry,
                       media_dir=media_dir, clock=clock, scopes=scopes)
    quotas = QuotaService(settings, scopes, ledger, clock)
    characters = CharacterService(character_repo, registry, auth, media_dir, clock, media.probe,
                                  public_media_url=settings.storage.public_media_url)
    snapshots = SnapshotService(catalogue, scopes, auth, clock)
    intake = JobIntake(settings=settings, catalogue=catalogue, db=db, scopes=scopes, jobs=jobs, ledger=ledger,
                       quotas=quotas, characters=characters, registry=registry, runner=runner, clock=clock)
    commands = Commands(settings=settings, catalogue=catalogue, auth=auth, scopes=scopes, jobs=jobs, intake=intake,
                        runner=runner, quotas=quotas, snapshots=snapshots, characters=characters, clock=clock)
    async def active_ids() -> set[str]:
        return {j.id for j in await jobs.unfinished()}

    janitor = Janitor([media_dir / "jobs", media_dir / "simulator"],
                      settings.storage.media_retention_hours * 3600, active_ids)
    return Core(settings=settings, catalogue=catalogue, db=db, auth=auth, scopes=scopes, jobs=jobs, ledger=ledger,
                character_repo=character_repo, registry=registry, runner=runner, intake=intake, quotas=quotas,
                snapshots=snapshots, characters=characters, commands=commands, clock=clock,
                simulator=started_sim, janitor=janitor)
