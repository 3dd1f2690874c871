"""The case store: ORM tables, migrations, the blob store, the case folder and its lock."""
