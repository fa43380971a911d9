# Lettercast: one image for the service (and, with another command, the worker or any CLI task).
#   docker build -t lettercast .
#   docker run -p 8000:8000 -v lettercast-data:/data lettercast
# The default database is SQLite in /data; set LETTERCAST_DATABASE_URL=postgresql+psycopg://... to
# scale out (then run several containers, and `lettercast worker` ones with
# LETTERCAST_RUN_WORKER_IN_PROCESS=false on the API containers).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system lettercast \
    && useradd --system --gid lettercast --home-dir /srv/lettercast --shell /usr/sbin/nologin lettercast \
    && mkdir -p /data \
    && chown lettercast:lettercast /data

WORKDIR /srv/lettercast
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY letter_templates ./letter_templates
RUN pip install .

# The service finds alembic.ini, migrations/ and letter_templates/ beside its code, so the
# source tree here (not the copy pip put in site-packages) is the one that runs.
ENV PYTHONPATH=/srv/lettercast \
    LETTERCAST_DATABASE_URL=sqlite:////data/lettercast.db \
    LETTERCAST_SECRET_KEY_FILE=/data/.lettercast-secret

USER lettercast
EXPOSE 8000
VOLUME ["/data"]

# No curl in the slim image: Python asks /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

CMD ["lettercast", "serve", "--host", "0.0.0.0", "--port", "8000", "--migrate"]
