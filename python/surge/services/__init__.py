"""Real servers for tests and demos, started on free loopback ports in temporary directories."""

from .redis_server import RedisServer, redis_url_from_env

__all__ = ["RedisServer", "redis_url_from_env"]
