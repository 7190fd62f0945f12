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
        def run_tests_task(run_id: int) -> None:
            from app.db import get_session
            from app.grading.runs import execute_run

            with app.app_context():
                execute_run(get_session(), run_id, unsafe=app.config["UNSAFE_LOCAL_RUNNER"])

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

    def recover(self) -> None:
        """Requeue the runs a dead worker left behind."""
        from app.db import get_session
        from app.grading.runs import recover_stuck_runs

        for run_id in recover_stuck_runs(get_session()):
            log.warning("requeued run %s left running by a stopped worker", run_id)
            self.enqueue_run(run_id)


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
