"""Database imports: each applies whole or writes nothing, and reports rejected rows in French."""
