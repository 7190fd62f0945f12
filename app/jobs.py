"""The job queue: Huey on SQLite for one machine, on Redis when REDIS_URL is set.

The web process only enqueues; ``flask worker`` runs the consumer. Each app
builds its own Huey instance (settings come from its config) and registers
the tasks on it.
"""

from __future__ import annotations

import logging

import click
from flask import Flask, current_app
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer

log = logging.getLogger(__name__)


class Jobs:
    """An app's queue and the tasks registered on it."""

    def __init__(self, app: Flask) -> None:
        config = app.config
        self.huey: Huey
        if config.get("REDIS_URL"):
            self.huey = RedisHuey("archboard", url=config["REDIS_URL"])
        else:
            self.huey = SqliteHuey("archboard", filename=config["JOBS_SQLITE_PATH"])

        @self.huey.task(name="run_tests")
        def run_tests_task(run_id: int | None = None) -> None:
            # A message only wakes a thread; the database picks the fairest run, which may
            # not be ``run_id`` (kept in the message for the queue's logs).
            from app.db import get_session
            from app.grading.runs import claimable_people, execute_run, run_limits

            with app.app_context():
                session, per_user = get_session(), app.config["RUNS_PER_USER"]
                ran = execute_run(session, per_user=per_user,
                                  unsafe=app.config["UNSAFE_LOCAL_RUNNER"],
                                  limits=run_limits(app.config))
                # Ending a run frees a place under its owner's cap; the runs waiting
                # for that place may have spent their wake-ups already, so pass one on.
                if ran is not None and claimable_people(session, per_user=per_user):
                    self.wake_up()

        @self.huey.periodic_task(crontab(minute="*"), name="recover_stuck_runs")
        def recover_task() -> None:
            with app.app_context():
                self.recover()

        @self.huey.periodic_task(crontab(minute="*"), name="close_overdue_interviews")
        def close_interviews_task() -> None:
            with app.app_context():
                self.close_interviews()

        self.run_tests = run_tests_task

    def enqueue_run(self, run_id: int) -> None:
        self.run_tests(run_id)

    def enqueue_runs(self, run_ids: list[int]) -> None:
        for run_id in run_ids:
            self.enqueue_run(run_id)

    def wake_up(self) -> None:
        """Send a worker thread to claim the fairest queued run, whichever it is."""
        self.run_tests(None)

    def recover(self) -> None:
        """Requeue the runs a dead worker left behind, and wake workers for orphaned runs."""
        from app.db import get_session
        from app.grading.runs import claimable_people, recover_stuck_runs, run_limits

        session = get_session()
        requeued = recover_stuck_runs(session, limits=run_limits(current_app.config))
        for run_id in requeued:
            log.warning("requeued run %s left running by a stopped worker", run_id)
            self.enqueue_run(run_id)
        # A worker stopped between ending a run and passing its wake-up on (or holding a
        # message it had not acted on) leaves queued runs that no message will reach.
        # One wake-up per person who could run now; a spare one costs a single query.
        per_user = current_app.config["RUNS_PER_USER"]
        for _ in range(claimable_people(session, per_user=per_user) - len(requeued)):
            self.wake_up()

    def close_interviews(self) -> None:
        """Submit interviews past their deadline, and queue their hidden tests."""
        from app.db import get_session
        from app.interviews.services import close_overdue

        self.enqueue_runs(close_overdue(get_session()))


def get_jobs(app: Flask | None = None) -> Jobs:
    return (app or current_app).extensions["archboard.jobs"]


@click.command("worker")
@click.option("--threads", type=int, default=None, help="Runs at once (default: WORKER_THREADS).")
def worker_command(threads: int | None) -> None:
    """Run the job consumer: executes queued code runs in the sandbox."""
    jobs = get_jobs()
    from app.grading.runner.sandbox import sandbox_problem

    problem = sandbox_problem()
    if problem and current_app.config["UNSAFE_LOCAL_RUNNER"]:
        click.secho("WARNING: UNSAFE_LOCAL_RUNNER is on and the sandbox is unavailable "
                    f"({problem}); candidates' code will run WITHOUT isolation.", fg="red",
                    err=True)
    elif problem:
        click.secho(f"The sandbox is unavailable: {problem}. Runs will fail with that reason "
                    "until it is fixed.", fg="yellow", err=True)
    jobs.recover()
    count = threads or current_app.config["WORKER_THREADS"]
    config = current_app.config
    queue = "Redis" if config.get("REDIS_URL") else config["JOBS_SQLITE_PATH"]
    click.echo(f"worker: {count} thread(s), queue {queue}")
    Consumer(jobs.huey, workers=count, worker_type="thread").run()


def init_app(app: Flask) -> None:
    app.extensions["archboard.jobs"] = Jobs(app)
    app.cli.add_command(worker_command)
