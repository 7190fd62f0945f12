"""The floor: the least a Flask + SQLAlchemy page can cost, to measure pages against.

The TechEmpower "fortunes" shape: one ORM query for 12 rows of a small table
(here the competencies, in the same database the app uses), one row added in
Python, sorted, rendered by a Jinja template with autoescaping. No sign-in,
no session, no CSRF: everything above this in a page's figures is the app.

    DATABASE_URL=sqlite:///bench/.data/seed-1.sqlite .venv/bin/gunicorn bench.floor:app
"""

from __future__ import annotations

import os

from flask import Flask, render_template
from jinja2 import DictLoader
from sqlalchemy import String, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from app.config import normalise_database_url

TEMPLATE = """<!doctype html>
<html><head><title>Fortunes</title></head><body>
<table>
<tr><th>id</th><th>message</th></tr>
{% for row in rows %}<tr><td>{{ row.id }}</td><td>{{ row.title }}</td></tr>
{% endfor %}</table>
</body></html>
"""


class Base(DeclarativeBase):
    pass


class Competency(Base):
    __tablename__ = "competencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))


class Row:
    def __init__(self, id: int, title: str) -> None:
        self.id, self.title = id, title


def create_floor(database_url: str) -> Flask:
    """The floor app on ``database_url``."""
    engine = create_engine(normalise_database_url(database_url))
    floor = Flask(__name__)
    # A named template, so Jinja compiles it once per process as it does the app's.
    floor.jinja_loader = DictLoader({"fortunes.html": TEMPLATE})

    @floor.get("/fortunes")
    def fortunes():
        with Session(engine) as session:
            rows = [Row(c.id, c.title) for c in session.scalars(
                select(Competency).order_by(Competency.id).limit(12))]
        rows.append(Row(0, "Additional row added at request time."))
        rows.sort(key=lambda row: row.title)
        return render_template("fortunes.html", rows=rows)

    return floor


app = create_floor(os.environ["DATABASE_URL"]) if "DATABASE_URL" in os.environ else None
