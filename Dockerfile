# One image for every service: `esante up` (all-in-one) by default, `esante serve <name>` per container.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    ESANTE_HOST=0.0.0.0 \
    ESANTE_DATA_DIR=/data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY shared ./shared
COPY services ./services
COPY migrations ./migrations
RUN pip install . && useradd --create-home --uid 1000 esante && mkdir -p /data && chown esante /data
USER esante
VOLUME ["/data"]
EXPOSE 8000 2525

HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=12 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health/ready' % os.environ.get('ESANTE_PORT', '8000'), timeout=2)"

CMD ["esante", "up"]
