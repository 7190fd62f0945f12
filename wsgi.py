"""The WSGI entry point: the only module that builds an app at import time.

    gunicorn wsgi:app          (production)
    flask --app wsgi run       (development)
"""

from app import create_app

app = create_app()
