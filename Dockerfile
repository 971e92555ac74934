# みらいボイス application image: used by the web, worker and migrate services of docker-compose.yml.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY models ./models
COPY classifier ./classifier
COPY voices ./voices
COPY routing ./routing
COPY web ./web
RUN pip install . && useradd --create-home mirai && mkdir -p /app/instance && chown -R mirai /app/instance
USER mirai
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-", "web.wsgi:app"]
