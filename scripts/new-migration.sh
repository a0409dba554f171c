#!/usr/bin/env bash
# Autogenerates a migration from the models against a scratch SQLite database at head.
# Usage: scripts/new-migration.sh "message"
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export DATABASE_URL="sqlite+aiosqlite:///$scratch/gen.db"
.venv/bin/alembic upgrade head
.venv/bin/alembic revision --autogenerate -m "$1"
.venv/bin/ruff format migrations
.venv/bin/ruff check --fix --quiet migrations
