"""Study database: SQLAlchemy models, repository functions, migrations, audit, auth."""
