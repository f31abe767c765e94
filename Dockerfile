# The qualiparc app image (for docker-compose deployments; development uses `make run`).
FROM python:3.11-slim-bookworm

RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /srv/qualiparc
COPY pyproject.toml setup.py README.md alembic.ini ./
COPY app app
COPY geo geo
COPY migrations migrations
COPY data data
COPY frontend/package.json frontend/package-lock.json frontend/build.mjs frontend/
COPY frontend/src frontend/src
COPY frontend/styles frontend/styles
# The reference, then the npm packages: `pip install .` builds the front end into the package
# (setup.py) and packages app/reference.
COPY reference/package.json reference/package-lock.json reference/build.mjs reference/
RUN (cd reference && npm ci --no-audit --no-fund) && node reference/build.mjs \
 && (cd frontend && npm ci --no-audit --no-fund) \
 && pip install --no-cache-dir .

ENV QUALIPARC_HOST=0.0.0.0
EXPOSE 8000
CMD ["sh", "-c", "qualiparc migrate && qualiparc demo --if-empty && qualiparc serve --host 0.0.0.0 --port 8000 --workers ${QUALIPARC_WORKERS:-2}"]
