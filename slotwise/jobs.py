"""The job queue (huey): dispatching events, delivering webhooks, sending e-mails, running
workflows.

By default the queue is a SQLite file beside the database and its consumer runs inside
``slotwise serve``; with ``SLOTWISE_REDIS_URL`` the queue lives in Redis and separate
``slotwise worker`` processes consume it. Either way the database, not the queue, holds
what is to be done (see services.work): a sweep at start-up and every minute submits
whatever a lost job left behind, so side effects are delivered at least once.
"""

import logging
from datetime import datetime, timedelta
from pathlib import Path

from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer
from huey.storage import SqliteStorage

from models import db, utcnow
from models.base import sqlite_path
from services import events, mail, webhooks, work
from services.workflows import runs

logger = logging.getLogger("slotwise.jobs")


def queue_path(settings: dict) -> str:
    """The SQLite queue file: beside a SQLite database, else in the working directory."""
    database = sqlite_path(settings["DATABASE_URL"])
    return f"{database}.queue" if database else str(Path("slotwise-queue.db").resolve())


class QueueStorage(SqliteStorage):
    """huey's SQLite storage, committing without waiting for the disk.

    Each booking enqueues a job or two, and at SQLite's default of ``synchronous=FULL``
    every one waited for the disk. Nothing needs that: the database, not the queue, records
    the work, so a job that a power failure takes from the queue is found again by the
    sweep; and in WAL mode ``synchronous=NORMAL`` still cannot corrupt the file.
    """

    def _create_connection(self):
        connection = super()._create_connection()
        connection.execute("pragma synchronous=NORMAL")
        return connection


def build(settings: dict, clock=utcnow) -> Huey:
    """A queue with Slotwise's jobs registered, and services.work routed to it.

    ``clock`` is the jobs' "now" (a test passes a fake one to move time on).
    """
    if settings["REDIS_URL"]:
        huey = RedisHuey("slotwise", url=settings["REDIS_URL"], results=False)
    else:
        huey = SqliteHuey(
            "slotwise", filename=queue_path(settings), results=False, storage_class=QueueStorage
        )
    lease = timedelta(seconds=settings["JOB_LEASE_SECONDS"])

    def run(kind: str, object_id: str) -> None:
        with db.connection_context():
            now = clock()
            if kind == work.DISPATCH_EVENT:
                events.dispatch(
                    object_id, now=now, compose_emails=lambda e: mail.compose(e, config=settings)
                )
                return
            if kind == work.RUN_WORKFLOW:
                runs.execute(object_id, now=now, config=settings)
                return
            attempt = webhooks.deliver if kind == work.DELIVER_WEBHOOK else mail.send
            retry_at = attempt(object_id, now=now, config=settings)
        if retry_at is not None:
            submit(kind, object_id, retry_at)

    tasks = {
        kind: huey.task(name=kind)(lambda object_id, kind=kind: run(kind, object_id))
        for kind in (work.DISPATCH_EVENT, work.DELIVER_WEBHOOK, work.SEND_EMAIL, work.RUN_WORKFLOW)
    }

    def submit(kind: str, object_id: str, eta: datetime | None = None) -> None:
        if eta is None:
            tasks[kind](object_id)
        else:
            tasks[kind].schedule(args=(object_id,), eta=eta)

    @huey.periodic_task(crontab(minute="*"), name="sweep")
    def sweep_every_minute():
        sweep()

    @huey.on_startup(name="sweep_on_startup")
    def sweep_on_startup():
        sweep()

    def sweep() -> None:
        with db.connection_context():
            found = work.due(clock(), stale_after=lease)
        for kind, object_id in found:
            submit(kind, object_id)
        if found:
            logger.info("Resubmitted %d unfinished jobs", len(found))

    work.bind(submit)
    return huey


class InProcessConsumer(Consumer):
    """A consumer living in threads of the web server, whose signals stay the server's."""

    def _set_signal_handlers(self):
        pass


def start_consumer(huey: Huey, workers: int = 2) -> Consumer:
    consumer = InProcessConsumer(
        huey, workers=workers, worker_type="thread", check_worker_health=False, shutdown_timeout=15
    )
    consumer.start()
    return consumer
