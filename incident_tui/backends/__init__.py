"""Backends: the local SQLite store and the remote Grafana RPC client, behind one contract."""
