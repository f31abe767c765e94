"""Plumbing: settings, the database and its local cluster, migrations, errors, progress and
the live events shared by the workers."""
