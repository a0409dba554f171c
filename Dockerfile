FROM python:3.11-slim
WORKDIR /srv/ledgerport
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml README.md ./
COPY app ./app
COPY alembic.ini ./
COPY migrations ./migrations
RUN pip install --no-cache-dir -e .
RUN useradd --system ledgerport && mkdir -p var && chown ledgerport var
USER ledgerport
EXPOSE 8000
# The product only, no sandbox: without the real QBO and Shopify settings (README, .env.example)
# the API and the worker refuse to start, naming the ones missing.
# The same image runs the worker with: python -m app.cli worker
CMD ["sh", "-c", "python -m app.cli migrate && uvicorn app.api.main:create_app --factory --host 0.0.0.0 --port 8000 --no-server-header --no-access-log"]
