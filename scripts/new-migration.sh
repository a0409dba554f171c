#!/usr/bin/env bash
# Autogenerates a migration from the models against a scratch SQLite database at head.
# Usage: scripts/new-migration.sh "message"
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export DATABASE_URL="sqlite+aiosqlite:///$scratch/gen.db"
.venv/bin/alembic upgrade head
n=$(printf "%04d" $(( $(ls migrations/versions/[0-9]*.py | wc -l) + 1 )))
.venv/bin/alembic revision --autogenerate -m "$1" --rev-id "$n"
.venv/bin/ruff format migrations
.venv/bin/ruff check --fix --quiet migrations
