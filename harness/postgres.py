"""The throwaway PostgreSQL cluster lives in city/postgres.py (`xephang demo --city` starts one too);
the tests and benchmarks may import it from here."""

from city.postgres import PostgresCluster

__all__ = ["PostgresCluster"]
