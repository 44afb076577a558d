# sorabot: `docker build -t sorabot . && docker run -e SORABOT_DISCORD__TOKEN=… -v sorabot-data:/data sorabot`
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    SORABOT_STORAGE__URL=sqlite+aiosqlite:////data/sorabot.db \
    SORABOT_STORAGE__MEDIA_DIR=/data/media \
    PTB_TIMEDELTA=true

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY storage ./storage
RUN pip install . && useradd --create-home --uid 10001 sorabot && mkdir -p /data && chown sorabot /data

USER sorabot
VOLUME ["/data"]
ENTRYPOINT ["sorabot"]
CMD ["run"]
