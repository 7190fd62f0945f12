"""The job queue: Huey on SQLite for one machine, on Redis when REDIS_URL is set.

The web process only enqueues; ``flask worker`` runs the consumer. Each app
builds its own Huey instance (settings come from its config) and registers
the tasks on it: code runs in the sandbox, and rendering saved answers (a
save stores its text and leaves the HTML to a worker, so an autosave costs
no markdown rendering). Nothing calls the queue in the middle of a
transaction: the app puts its queue on every database session, and services
hand their jobs over once their transaction commits
(``app.db.queue_after_commit``), so a request that rolls back queues nothing.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import click
from flask import Flask, current_app
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer, Scheduler

from app.attempts.lifecycle import render_pending
from app.db import JOB_QUEUE, get_database, get_session
from app.grading.runner.sandbox import sandbox_problem
from app.grading.runs import (
    claimable_people,
    execute_run,
    recover_stuck_runs,
    run_limits,
)

log = logging.getLogger(__name__)


class Jobs:
    """An app's queue and the tasks registered on it."""

    def __init__(self, app: Flask) -> None:
        config = app.config
        self.app = app
        self.huey: Huey
        if config.get("REDIS_URL"):
            self.huey = RedisHuey("archboard", url=config["REDIS_URL"])
        else:
            self.huey = SqliteHuey("archboard", filename=config["JOBS_SQLITE_PATH"])

        @self.huey.task(name="run_tests")
        def run_tests_task(run_id: int | None = None) -> None:
            # A message only wakes a thread; the database picks the fairest run, which may
            # not be ``run_id`` (kept in the message for the queue's logs).

            with app.app_context():
                session, per_user = get_session(), app.config["RUNS_PER_USER"]
                ran = execute_run(session, per_user=per_user,
                                  unsafe=app.config["UNSAFE_LOCAL_RUNNER"],
                                  limits=run_limits(app.config))
                # Ending a run frees a place under its owner's cap; the runs waiting
                # for that place may have spent their wake-ups already, so pass one on.
                if ran is not None and claimable_people(session, per_user=per_user):
                    self.wake_up()

        @self.huey.task(name="render_answer")
        def render_answer_task(attempt_id: int) -> None:
            # Saves queue one each; a job finding the newest revision rendered
            # already (a later job got there first) costs one query.
            with app.app_context():
                render_pending(get_session(), attempt_id)

        @self.huey.periodic_task(crontab(minute="*"), name="recover_stuck_runs")
        def recover_task() -> None:
            with app.app_context():
                self.recover()

        self.run_tests = run_tests_task
        self.render_answer = render_answer_task
        self.tasks: dict[str, Callable[[Any], None]] = {}
        self.start_checks: list[Callable[[], str | None]] = []

    def enqueue_run(self, run_id: int) -> None:
        self.run_tests(run_id)

    def enqueue_render(self, attempt_id: int) -> None:
        """Have a worker render the attempt's newest saved answer, unless it is by then."""
        self.render_answer(attempt_id)

    def add_task(self, name: str, run: Callable[[Any], None]) -> None:
        """Register ``run(item)`` as the queue's task ``name``, run inside the app's context.

        Features register their own jobs here (the authors' Verify checks), as they
        do their periodic work with ``every_minute``, so this module imports none of them.
        ``item`` is usually a row's id; it may be any small picklable value (a password
        reset's is the address asked about). Huey's log lines name the task, never it.
        """
        app = self.app

        @self.huey.task(name=name)
        def feature_task(item: Any) -> None:
            with app.app_context():
                run(item)

        self.tasks[name] = feature_task

    def enqueue(self, name: str, item: Any) -> None:
        """Queue the registered task ``name`` for ``item``."""
        self.tasks[name](item)

    def wake_up(self) -> None:
        """Send a worker thread to claim the fairest queued run, whichever it is."""
        self.run_tests(None)

    def recover(self) -> None:
        """Requeue the runs a dead worker left behind, and wake workers for orphaned runs."""

        session = get_session()
        config = current_app.config
        requeued = recover_stuck_runs(
            session, limits=run_limits(config),
            margin=timedelta(seconds=config["RUN_STUCK_MARGIN_SECONDS"]))
        for run_id in requeued:
            log.warning("requeued run %s left running by a stopped worker", run_id)
        # A worker stopped between ending a run and passing its wake-up on (or holding a
        # message it had not acted on) leaves queued runs that no message will reach.
        # One wake-up per person who could run now; a spare one costs a single query.
        per_user = config["RUNS_PER_USER"]
        for _ in range(claimable_people(session, per_user=per_user) - len(requeued)):
            self.wake_up()

    def check_at_start(self, check: Callable[[], str | None]) -> None:
        """Have ``flask worker`` refuse to start while ``check()`` names a problem.

        Run inside the app's context; features add the settings their tasks need.
        """
        self.start_checks.append(check)

    def every_minute(self, name: str, task: Callable[[Jobs], None]) -> None:
        """Have the worker run ``task(self)`` once a minute, inside the app's context.

        Features register their own periodic work here (interviews close the
        overdue ones), so this module imports none of them.
        """
        app = self.app

        @self.huey.periodic_task(crontab(minute="*"), name=name)
        def periodic_task() -> None:
            with app.app_context():
                task(self)


def get_jobs(app: Flask | None = None) -> Jobs:
    return (app or current_app).extensions["archboard.jobs"]


@click.command("worker")
@click.option("--threads", type=int, default=None, help="Runs at once (default: WORKER_THREADS).")
def worker_command(threads: int | None) -> None:
    """Run the job consumer: executes queued code runs in the sandbox and renders saved answers."""
    jobs = get_jobs()
    for check in jobs.start_checks:
        if (refusal := check()) is not None:
            raise click.ClickException(f"the worker cannot start: {refusal}")
    problem = sandbox_problem()
    if problem and current_app.config["UNSAFE_LOCAL_RUNNER"]:
        click.secho("WARNING: UNSAFE_LOCAL_RUNNER is on and the sandbox is unavailable "
                    f"({problem}); candidates' code will run WITHOUT isolation.", fg="red",
                    err=True)
    elif problem:
        click.secho(f"The sandbox is unavailable: {problem}. Runs will fail with that reason "
                    "until it is fixed.", fg="yellow", err=True)
    jobs.recover()
    # Background work waits for requests, not the other way round: a burst of saves to
    # render must not slow the saves themselves (docs/performance.md).
    nice = min(max(current_app.config["WORKER_NICE"], 0), 19)
    os.nice(nice)
    count = threads or current_app.config["WORKER_THREADS"]
    config = current_app.config
    queue = "Redis" if config.get("REDIS_URL") else config["JOBS_SQLITE_PATH"]
    click.echo(f"worker: {count} thread(s), nice {nice}, queue {queue}")
    consumer = _sweeping_every(config["WORKER_SWEEP_SECONDS"])
    consumer(jobs.huey, workers=count, worker_type="thread").run()


def _sweeping_every(seconds: int) -> type[Consumer]:
    """Huey's consumer, running the periodic tasks every ``seconds`` instead of every minute.

    Every periodic task here is ``crontab(minute="*")``, so each sweep runs them all:
    a shorter sweep finds a stopped worker's runs sooner (the cluster test sets it low).
    """
    scheduler = type("SweepingScheduler", (Scheduler,), {"periodic_task_seconds": seconds})
    return type("SweepingConsumer", (Consumer,), {"scheduler_class": scheduler})


def init_app(app: Flask) -> None:
    jobs = Jobs(app)
    app.extensions["archboard.jobs"] = jobs
    # Every session of this app carries its queue, so services can queue a job for
    # after their commit without knowing about Flask (app.db.queue_after_commit).
    maker = get_database(app).sessionmaker
    maker.configure(info={**maker.kw.get("info", {}), JOB_QUEUE: jobs})
    app.cli.add_command(worker_command)
