# みらいボイス application image: used by the web, worker and migrate services of docker-compose.yml.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
# The installed package's default instance folder would lie under /usr/local, which the service user
# cannot create; keep it where the compose volumes are mounted.
ENV MIRAI_INSTANCE_DIR=/app/instance
WORKDIR /app
COPY pyproject.toml README.md ./
COPY models ./models
COPY classifier ./classifier
COPY voices ./voices
COPY routing ./routing
COPY web ./web
# The volumes' mount points exist in the image so that new named volumes take their owner (mirai).
RUN pip install . && useradd --create-home mirai \
 && mkdir -p /app/instance/models /app/instance/imports && chown -R mirai /app/instance
USER mirai
EXPOSE 8000
CMD ["gunicorn", "-c", "python:web.gunicorn_conf", "web.wsgi:app"]
