"""Every query of the DMP, SQLAlchemy Core on the caller's connection, rows read by column name;
nothing else builds SQL. One module per concept: the tables (and the seed's bulk insert), profiles and
the professionals they record, documents, traces and notifications, the tenant's matrix."""
