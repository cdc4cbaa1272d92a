"""The machine's Redis, one db number per use, emptied first."""

import redis

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def redis_answers() -> bool:
    try:
        with redis.Redis(REDIS_HOST, REDIS_PORT, socket_timeout=5) as client:
            return bool(client.ping())
    except redis.RedisError:
        return False


def fresh_redis_db(number: int) -> str:
    """REDIS_URL of db `number` of the machine's Redis, emptied first."""
    with redis.Redis(REDIS_HOST, REDIS_PORT, db=number, socket_timeout=5) as client:
        client.flushdb()
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/{number}"
