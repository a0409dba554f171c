"""The SQL adapters. Importing the package registers every table on `Base.metadata`, those
declared beside their repository included (migrations and tests compare against it)."""

from app.adapters.db import oauth_states as oauth_states
