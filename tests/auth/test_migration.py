"""Migration 0004: an administrator created without EPCI scope, who used to administer every EPCI
implicitly, is given the explicit marker; other accounts are left alone."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, text

from app.core.database import sqlalchemy_url
from app.core.migrate import alembic_config, upgrade


def test_implicit_administrators_of_every_epci_become_explicit(cluster):
    name = "qualiparc_migration_0004"
    cluster.create_database(name)
    url = cluster.url(name)
    try:
        engine = create_engine(sqlalchemy_url(url))
        with engine.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
        command.upgrade(alembic_config(url), "0003")
        with engine.begin() as conn:
            for email, role in (("tout@test.fr", "admin"), ("mel@test.fr", "admin")):
                conn.execute(
                    text("INSERT INTO account (email, role) VALUES (:e, :r)"),
                    {"e": email, "r": role},
                )
            conn.execute(text("INSERT INTO account (email, role) VALUES ('elu@test.fr', 'elu')"))
            conn.execute(
                text(
                    "INSERT INTO account_scope (account_id, kind, code) SELECT id, 'epci',"
                    " '200093201' FROM account WHERE email = 'mel@test.fr'"
                )
            )
        upgrade(url)
        with engine.connect() as conn:
            scopes = conn.execute(
                text(
                    "SELECT a.email, s.code FROM account a"
                    " LEFT JOIN account_scope s ON s.account_id = a.id ORDER BY a.email"
                )
            ).all()
        engine.dispose()
        assert scopes == [
            ("elu@test.fr", None),
            ("mel@test.fr", "200093201"),
            ("tout@test.fr", "*"),
        ]
    finally:
        cluster.drop_database(name)
