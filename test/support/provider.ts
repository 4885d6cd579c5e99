/**
 * The suite runs against PostgreSQL: scripts/test-postgres.sh names a server in
 * GATEHOUSE_TEST_PG_URL and freshDb() creates each file's database on it. Known
 * when tests are collected (unlike lib/db's provider(), which needs a database),
 * so `it.skipIf(onPostgres)` / `describe.runIf(onPostgres)` can use it.
 */
export const onPostgres = Boolean(process.env.GATEHOUSE_TEST_PG_URL);
