/* The SQLite schema, version 1. Board entries live as one JSON text per
 * area, so a ticket leaves the store with the board write that drops it
 * (secure_delete overwrites the old page contents); calls keeps only a
 * fingerprint of the request. Compiled in by embed.py, which joins the
 * lines without separators: every line ends at a token boundary. */
CREATE TABLE IF NOT EXISTS areas(tenant TEXT NOT NULL, site TEXT NOT NULL,
 area TEXT NOT NULL, seq INTEGER NOT NULL, published_seq INTEGER NOT NULL,
 board TEXT NOT NULL, PRIMARY KEY(tenant,site,area));
CREATE TABLE IF NOT EXISTS calls(tenant TEXT NOT NULL, site TEXT NOT NULL,
 id TEXT NOT NULL, fp TEXT NOT NULL, area TEXT NOT NULL, seq INTEGER NOT NULL,
 created_ms INTEGER NOT NULL, PRIMARY KEY(tenant,site,id));
CREATE INDEX IF NOT EXISTS calls_created ON calls(created_ms);
CREATE TABLE IF NOT EXISTS notices(tenant TEXT NOT NULL, site TEXT NOT NULL,
 payload TEXT NOT NULL, seq INTEGER NOT NULL, published_seq INTEGER NOT NULL,
 PRIMARY KEY(tenant,site));
CREATE TABLE IF NOT EXISTS stats(tenant TEXT NOT NULL, site TEXT NOT NULL,
 area TEXT NOT NULL, desk TEXT NOT NULL, hour_ms INTEGER NOT NULL,
 calls INTEGER NOT NULL, recalls INTEGER NOT NULL,
 PRIMARY KEY(tenant,site,area,desk,hour_ms));
CREATE TABLE IF NOT EXISTS devices(tenant TEXT NOT NULL, site TEXT NOT NULL,
 device TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY(tenant,site,device));
CREATE TABLE IF NOT EXISTS paired(tenant TEXT NOT NULL, site TEXT NOT NULL,
 device TEXT NOT NULL, settings TEXT NOT NULL, PRIMARY KEY(tenant,site,device));
