/* The PostgreSQL schema, version 1: the SQLite tables, plus the publisher
 * lease (one row: who publishes, under which epoch, until when by the
 * server's clock) and a trigger that tells every listening bridge which
 * board or notice changed (channel callboard, payload a/TENANT/SITE/AREA
 * or n/TENANT/SITE). Compiled in by embed.py, which joins the lines
 * without separators: every line ends at a token boundary. */
CREATE TABLE IF NOT EXISTS areas(tenant TEXT NOT NULL, site TEXT NOT NULL,
 area TEXT NOT NULL, seq BIGINT NOT NULL, published_seq BIGINT NOT NULL,
 board TEXT NOT NULL, PRIMARY KEY(tenant,site,area));
CREATE TABLE IF NOT EXISTS calls(tenant TEXT NOT NULL, site TEXT NOT NULL,
 id TEXT NOT NULL, fp TEXT NOT NULL, area TEXT NOT NULL, seq BIGINT NOT NULL,
 created_ms BIGINT NOT NULL, PRIMARY KEY(tenant,site,id));
CREATE INDEX IF NOT EXISTS calls_created ON calls(created_ms);
CREATE TABLE IF NOT EXISTS notices(tenant TEXT NOT NULL, site TEXT NOT NULL,
 payload TEXT NOT NULL, seq BIGINT NOT NULL, published_seq BIGINT NOT NULL,
 PRIMARY KEY(tenant,site));
CREATE TABLE IF NOT EXISTS stats(tenant TEXT NOT NULL, site TEXT NOT NULL,
 area TEXT NOT NULL, desk TEXT NOT NULL, hour_ms BIGINT NOT NULL,
 calls BIGINT NOT NULL, recalls BIGINT NOT NULL,
 PRIMARY KEY(tenant,site,area,desk,hour_ms));
CREATE TABLE IF NOT EXISTS devices(tenant TEXT NOT NULL, site TEXT NOT NULL,
 device TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY(tenant,site,device));
CREATE TABLE IF NOT EXISTS paired(tenant TEXT NOT NULL, site TEXT NOT NULL,
 device TEXT NOT NULL, settings TEXT NOT NULL, PRIMARY KEY(tenant,site,device));
CREATE TABLE IF NOT EXISTS lease(name TEXT PRIMARY KEY, holder TEXT NOT NULL,
 epoch BIGINT NOT NULL, expires TIMESTAMPTZ NOT NULL);
CREATE OR REPLACE FUNCTION callboard_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_notify('callboard', TG_ARGV[0] || '/' || NEW.tenant || '/' ||
 NEW.site || coalesce('/' || (to_jsonb(NEW) ->> 'area'), ''));
 RETURN NULL;
 END;$$;
CREATE OR REPLACE TRIGGER areas_notify AFTER INSERT OR UPDATE OF seq ON areas FOR EACH ROW EXECUTE FUNCTION callboard_notify('a');
CREATE OR REPLACE TRIGGER notices_notify AFTER INSERT OR UPDATE OF seq ON notices FOR EACH ROW EXECUTE FUNCTION callboard_notify('n');
