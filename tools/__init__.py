"""Operators' tools: demo and scale-data generators, backup and restore. Not domain code: they
call the services (demo) or bulk-insert on purpose (scale data), and nothing in the apps imports them."""
