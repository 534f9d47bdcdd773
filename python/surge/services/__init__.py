"""Real servers for tests and demos, started on free loopback ports in temporary directories."""

from surge.services.postgres_server import PostgresServer, postgres_dsn_from_env
from surge.services.redis_cluster import RedisCluster
from surge.services.redis_server import RedisServer, redis_url_from_env

__all__ = [
    "PostgresServer",
    "RedisCluster",
    "RedisServer",
    "postgres_dsn_from_env",
    "redis_url_from_env",
]
