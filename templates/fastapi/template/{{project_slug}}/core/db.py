"""The database engine and sessions; the engine lives as long as the application."""

from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from .config import Settings


def create_engine(settings: Settings) -> AsyncEngine:
    return create_async_engine(
        settings.sqlalchemy_database_url,
        pool_pre_ping=True,  # a connection the server dropped is replaced, not handed out
        connect_args=settings.database_connect_args,
    )


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # Objects stay readable after commit, so a handler can return what it just saved.
    return async_sessionmaker(engine, expire_on_commit=False)
