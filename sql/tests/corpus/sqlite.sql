-- Corpus of valid SQLite migration SQL.
-- Runs top to bottom on a fresh, empty database file, one statement at a time in
-- autocommit. Checked with SQLite 3.40 (Debian) and the SQLite bundled in
-- libsqlite3-sys 0.38, so it avoids features newer than 3.40 and compile-time options
-- the bundled build lacks (math functions, UPDATE/DELETE ... LIMIT).
-- Shaped after a desktop notes/bookmarks app that later grew sync and a shop module.

-- migration: 0001_initial
PRAGMA foreign_keys = ON;
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;

CREATE TABLE IF NOT EXISTS __migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL DEFAULT (datetime('now'))
);

CREATE TABLE notebooks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL COLLATE NOCASE,
    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (name)
);

CREATE TABLE notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    notebook_id INTEGER NOT NULL REFERENCES notebooks (id) ON DELETE CASCADE,
    title TEXT NOT NULL DEFAULT '',
    body TEXT,
    pinned INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
    created_at TEXT NOT NULL DEFAULT (CURRENT_TIMESTAMP),
    updated_at TEXT NOT NULL DEFAULT (CURRENT_TIMESTAMP)
);

CREATE INDEX notes_notebook_id ON notes (notebook_id);

INSERT INTO notebooks (name) VALUES ('Inbox');

INSERT INTO __migrations (version, name) VALUES (1, 'initial');

PRAGMA user_version = 1;

-- migration: 0002_tags
CREATE TABLE tags (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE ON CONFLICT IGNORE
);

CREATE TABLE note_tags (
    note_id INTEGER NOT NULL,
    tag_id INTEGER NOT NULL,
    PRIMARY KEY (note_id, tag_id),
    FOREIGN KEY (note_id) REFERENCES notes (id) ON DELETE CASCADE,
    FOREIGN KEY (tag_id) REFERENCES tags (id) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE INDEX note_tags_tag_id ON note_tags (tag_id);

PRAGMA user_version = 2;

-- migration: 0003_updated_at_trigger
CREATE TRIGGER notes_touch_updated_at
AFTER UPDATE ON notes
FOR EACH ROW
WHEN NEW.updated_at = OLD.updated_at
BEGIN
    UPDATE notes SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id;
END;

PRAGMA user_version = 3;

-- migration: 0004_seed_notes
INSERT INTO notes (notebook_id, title, body)
VALUES (1, 'Welcome', 'This is your first note; edit or delete it.'),
       (1, 'Shortcuts', 'Ctrl+N: new note' || char(10) || 'Ctrl+F: search');

INSERT OR IGNORE INTO tags (name) VALUES ('welcome'), ('help'), ('welcome');

INSERT INTO note_tags (note_id, tag_id)
SELECT n.id, t.id FROM notes n, tags t WHERE n.title = 'Welcome' AND t.name = 'welcome';

PRAGMA user_version = 4;

-- migration: 0005_bookmarks
CREATE TABLE bookmarks (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    title TEXT,
    favicon BLOB,
    visits INTEGER DEFAULT 0,
    added TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CONSTRAINT bookmarks_url_unique UNIQUE (url) ON CONFLICT REPLACE
);

CREATE UNIQUE INDEX IF NOT EXISTS bookmarks_url_nocase ON bookmarks (url COLLATE NOCASE);

PRAGMA user_version = 5;

-- migration: 0006_settings_kv
-- Typeless columns: values of any type, just like the original prototype.
CREATE TABLE settings (key PRIMARY KEY, value);

INSERT OR REPLACE INTO settings (key, value) VALUES ('theme', 'light');
INSERT OR REPLACE INTO settings VALUES ('font_size', 14);
REPLACE INTO settings (key, value) VALUES ('spellcheck', 1);

PRAGMA user_version = 6;

-- migration: 0007_notes_archived
ALTER TABLE notes ADD COLUMN archived INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notes ADD COLUMN color TEXT DEFAULT NULL;
ALTER TABLE notes ADD COLUMN sort_key REAL;

UPDATE notes SET sort_key = id;

CREATE INDEX notes_live ON notes (notebook_id, sort_key) WHERE archived = 0;

PRAGMA user_version = 7;

-- migration: 0008_rename_bookmarks_columns
ALTER TABLE bookmarks RENAME COLUMN visits TO visit_count;
ALTER TABLE bookmarks RENAME COLUMN added TO created_at;

PRAGMA user_version = 8;

-- migration: 0009_full_text_search
CREATE VIRTUAL TABLE notes_fts USING fts5(
    title,
    body,
    content = 'notes',
    content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);

INSERT INTO notes_fts (notes_fts) VALUES ('rebuild');

CREATE TRIGGER notes_fts_ai AFTER INSERT ON notes BEGIN
    INSERT INTO notes_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;

CREATE TRIGGER notes_fts_ad AFTER DELETE ON notes BEGIN
    INSERT INTO notes_fts (notes_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;

CREATE TRIGGER notes_fts_au AFTER UPDATE OF title, body ON notes BEGIN
    INSERT INTO notes_fts (notes_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO notes_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;

PRAGMA user_version = 9;

-- migration: 0010_attachments
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    note_id INTEGER NOT NULL REFERENCES notes ON DELETE CASCADE,
    filename TEXT NOT NULL,
    mime TEXT NOT NULL DEFAULT 'application/octet-stream',
    size INTEGER NOT NULL CHECK (size >= 0),
    sha256 BLOB NOT NULL CHECK (length(sha256) = 32),
    data BLOB
);

CREATE INDEX attachments_note ON attachments (note_id);

PRAGMA user_version = 10;

-- migration: 0011_guard_triggers
CREATE TRIGGER notebooks_keep_inbox
BEFORE DELETE ON notebooks
FOR EACH ROW
WHEN OLD.name = 'Inbox'
BEGIN
    SELECT RAISE(ABORT, 'the Inbox notebook cannot be deleted');
END;

CREATE TRIGGER attachments_size_limit
BEFORE INSERT ON attachments
BEGIN
    SELECT CASE
        WHEN NEW.size > 50 * 1024 * 1024 THEN RAISE(ABORT, 'attachment too large (max 50 MiB)')
        WHEN NEW.filename = '' THEN RAISE(FAIL, 'empty filename')
    END;
END;

CREATE TRIGGER tags_no_blank
BEFORE INSERT ON tags
WHEN trim(NEW.name) = ''
BEGIN
    SELECT RAISE(IGNORE);
END;

PRAGMA user_version = 11;

-- migration: 0012_rebuild_notes_add_fk_deferrable
-- SQLite cannot change a column constraint in place: the 12-step rebuild.
PRAGMA foreign_keys = OFF;

BEGIN TRANSACTION;

DROP TRIGGER notes_touch_updated_at;
DROP TRIGGER notes_fts_ai;
DROP TRIGGER notes_fts_ad;
DROP TRIGGER notes_fts_au;

CREATE TABLE new_notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    notebook_id INTEGER NOT NULL
        REFERENCES notebooks (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    title TEXT NOT NULL DEFAULT '' CHECK (length(title) <= 500),
    body TEXT,
    pinned INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
    archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    color TEXT CHECK (color IS NULL OR color GLOB '#[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]'),
    sort_key REAL NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL DEFAULT (CURRENT_TIMESTAMP),
    updated_at TEXT NOT NULL DEFAULT (CURRENT_TIMESTAMP)
);

INSERT INTO new_notes (id, notebook_id, title, body, pinned, archived, color, sort_key, created_at, updated_at)
SELECT id, notebook_id, title, body, pinned, archived, color, coalesce(sort_key, id), created_at, updated_at
FROM notes;

DROP TABLE notes;

ALTER TABLE new_notes RENAME TO notes;

CREATE INDEX notes_notebook_id ON notes (notebook_id);
CREATE INDEX notes_live ON notes (notebook_id, sort_key) WHERE archived = 0;

CREATE TRIGGER notes_touch_updated_at
AFTER UPDATE ON notes
FOR EACH ROW
WHEN NEW.updated_at = OLD.updated_at
BEGIN
    UPDATE notes SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id;
END;

CREATE TRIGGER notes_fts_ai AFTER INSERT ON notes BEGIN
    INSERT INTO notes_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;

CREATE TRIGGER notes_fts_ad AFTER DELETE ON notes BEGIN
    INSERT INTO notes_fts (notes_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;

CREATE TRIGGER notes_fts_au AFTER UPDATE OF title, body ON notes BEGIN
    INSERT INTO notes_fts (notes_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO notes_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;

PRAGMA foreign_key_check;

COMMIT;

PRAGMA foreign_keys = ON;

PRAGMA user_version = 12;

-- migration: 0013_views
CREATE VIEW live_notes AS
    SELECT n.id, n.title, n.body, nb.name AS notebook, n.updated_at
    FROM notes n
    JOIN notebooks nb ON nb.id = n.notebook_id
    WHERE n.archived = 0;

CREATE VIEW IF NOT EXISTS tag_counts (tag, notes) AS
    SELECT t.name, count(nt.note_id)
    FROM tags t
    LEFT JOIN note_tags nt ON nt.tag_id = t.id
    GROUP BY t.id;

CREATE TRIGGER live_notes_update
INSTEAD OF UPDATE OF title ON live_notes
BEGIN
    UPDATE notes SET title = NEW.title WHERE id = OLD.id;
END;

PRAGMA user_version = 13;

-- migration: 0014_sync_metadata
CREATE TABLE sync_state (
    device_id TEXT PRIMARY KEY NOT NULL,
    last_pulled_at INTEGER,
    last_pushed_at INTEGER,
    cursor TEXT
) STRICT;

CREATE TABLE changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    entity TEXT NOT NULL CHECK (entity IN ('note', 'notebook', 'tag')),
    entity_id INTEGER NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
    at INTEGER NOT NULL DEFAULT (unixepoch()),
    payload TEXT CHECK (payload IS NULL OR json_valid(payload))
);

CREATE INDEX changes_entity ON changes (entity, entity_id);

CREATE TRIGGER notes_changes_insert AFTER INSERT ON notes
BEGIN
    INSERT INTO changes (entity, entity_id, op, payload)
    VALUES ('note', NEW.id, 'insert', json_object('title', NEW.title, 'notebook_id', NEW.notebook_id));
END;

CREATE TRIGGER notes_changes_delete AFTER DELETE ON notes
BEGIN
    INSERT INTO changes (entity, entity_id, op) VALUES ('note', OLD.id, 'delete');
    DELETE FROM note_tags WHERE note_id = OLD.id;
END;

UPDATE sqlite_sequence SET seq = 1000 WHERE name = 'changes';
INSERT INTO sqlite_sequence (name, seq) SELECT 'changes', 1000 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'changes');

PRAGMA user_version = 14;

-- migration: 0015_devices_strict_without_rowid
CREATE TABLE devices (
    id TEXT NOT NULL PRIMARY KEY DEFAULT (lower(hex(randomblob(16)))),
    name TEXT NOT NULL,
    platform TEXT NOT NULL DEFAULT 'unknown',
    public_key BLOB,
    registered_at INTEGER NOT NULL DEFAULT (unixepoch()),
    meta ANY
) STRICT, WITHOUT ROWID;

INSERT INTO devices (name, platform) VALUES ('this device', 'linux') RETURNING id, registered_at;

PRAGMA user_version = 15;

-- migration: 0016_generated_columns
ALTER TABLE bookmarks ADD COLUMN host TEXT GENERATED ALWAYS AS (
    CASE
        WHEN instr(substr(url, instr(url, '://') + 3), '/') > 0
        THEN substr(substr(url, instr(url, '://') + 3), 1, instr(substr(url, instr(url, '://') + 3), '/') - 1)
        ELSE substr(url, instr(url, '://') + 3)
    END
) VIRTUAL;

CREATE INDEX bookmarks_host ON bookmarks (host);

CREATE TABLE measurements (
    id INTEGER PRIMARY KEY,
    celsius REAL NOT NULL,
    fahrenheit REAL AS (celsius * 9.0 / 5.0 + 32.0) STORED,
    label TEXT AS (printf('%.1f°C', celsius)),
    taken_at TEXT NOT NULL DEFAULT (datetime('now'))
);

PRAGMA user_version = 16;

-- migration: 0017_json_documents
CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    kind TEXT GENERATED ALWAYS AS (json_extract(data, '$.kind')) VIRTUAL,
    data TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(data))
);

CREATE INDEX documents_kind ON documents (kind);
CREATE INDEX documents_owner ON documents (json_extract(data, '$.owner.id'));

INSERT INTO documents (data) VALUES
    ('{"kind":"todo","owner":{"id":1},"items":["milk","eggs"]}'),
    (json_object('kind', 'link', 'owner', json_object('id', 2), 'url', 'https://example.com/a;b'));

UPDATE documents SET data = json_set(data, '$.migrated', json('true')) WHERE data ->> '$.kind' = 'todo';

UPDATE documents SET data = json_insert(data, '$.tags', json_array()) WHERE json_type(data, '$.tags') IS NULL;

UPDATE documents SET data = json_remove(data, '$.legacy') WHERE data -> '$.legacy' IS NOT NULL;

PRAGMA user_version = 17;

-- migration: 0018_json_each_backfill
INSERT INTO tags (name)
SELECT DISTINCT je.value
FROM documents d, json_each(d.data, '$.items') AS je
WHERE je.type = 'text';

SELECT d.id, json_array_length(d.data -> '$.items') AS n FROM documents d WHERE n > 0;

PRAGMA user_version = 18;

-- migration: 0019_drop_color
DROP INDEX IF EXISTS notes_color;
ALTER TABLE notes DROP COLUMN color;

PRAGMA user_version = 19;

-- migration: 0020_rename_tables
ALTER TABLE bookmarks RENAME TO links;
ALTER TABLE "settings" RENAME TO app_settings;

PRAGMA user_version = 20;

-- migration: 0021_upserts
CREATE TABLE note_stats (
    note_id INTEGER PRIMARY KEY REFERENCES notes (id) ON DELETE CASCADE,
    opens INTEGER NOT NULL DEFAULT 0,
    last_opened_at TEXT
);

INSERT INTO note_stats (note_id, opens, last_opened_at)
VALUES (1, 1, datetime('now'))
ON CONFLICT (note_id) DO UPDATE SET
    opens = opens + excluded.opens,
    last_opened_at = excluded.last_opened_at;

INSERT INTO note_stats (note_id)
SELECT id FROM notes WHERE true
ON CONFLICT DO NOTHING;

INSERT INTO app_settings (key, value) VALUES ('theme', 'dark')
ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE value IS NOT excluded.value
RETURNING key, value;

INSERT INTO links (url, title) VALUES ('https://sqlite.org/lang_upsert.html', 'UPSERT')
ON CONFLICT (url) DO NOTHING;

PRAGMA user_version = 21;

-- migration: 0022_update_from
ALTER TABLE notebooks ADD COLUMN note_count INTEGER NOT NULL DEFAULT 0;

UPDATE notebooks
SET note_count = c.n
FROM (SELECT notebook_id, count(*) AS n FROM notes GROUP BY notebook_id) AS c
WHERE c.notebook_id = notebooks.id;

UPDATE notebooks SET (note_count) = (SELECT count(*) FROM notes WHERE notes.notebook_id = notebooks.id);

PRAGMA user_version = 22;

-- migration: 0023_recursive_notebooks
ALTER TABLE notebooks ADD COLUMN parent_id INTEGER REFERENCES notebooks (id) ON DELETE SET NULL;

CREATE VIEW notebook_paths AS
WITH RECURSIVE tree (id, path, depth) AS (
    SELECT id, name, 0 FROM notebooks WHERE parent_id IS NULL
    UNION ALL
    SELECT nb.id, tree.path || ' / ' || nb.name, tree.depth + 1
    FROM notebooks nb
    JOIN tree ON nb.parent_id = tree.id
    WHERE tree.depth < 32
)
SELECT id, path, depth FROM tree;

WITH RECURSIVE counter (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM counter WHERE n < 5)
INSERT INTO notebooks (name, parent_id)
SELECT 'Archive ' || (2015 + n), NULL FROM counter;

PRAGMA user_version = 23;

-- migration: 0024_window_functions
ALTER TABLE notes ADD COLUMN position INTEGER;

UPDATE notes
SET position = ranked.rn
FROM (
    SELECT id, row_number() OVER (PARTITION BY notebook_id ORDER BY pinned DESC, sort_key, id) AS rn
    FROM notes
) AS ranked
WHERE ranked.id = notes.id;

CREATE VIEW notes_with_neighbours AS
SELECT id,
       notebook_id,
       title,
       lag(id) OVER w AS prev_id,
       lead(id) OVER w AS next_id,
       count(*) OVER (PARTITION BY notebook_id) AS siblings,
       sum(length(body)) OVER (PARTITION BY notebook_id ORDER BY position ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running_chars
FROM notes
WINDOW w AS (PARTITION BY notebook_id ORDER BY position);

PRAGMA user_version = 24;

-- migration: 0025_shop_products
CREATE TABLE products (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sku TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT NOT NULL,
    price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
    currency TEXT NOT NULL DEFAULT 'EUR' CHECK (length(currency) = 3),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME
);

CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL COLLATE NOCASE,
    name TEXT,
    created_at TEXT DEFAULT (datetime('now', 'localtime'))
);

CREATE UNIQUE INDEX customers_email ON customers (email);

CREATE TABLE orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'paid', 'shipped', 'cancelled', 'refunded')),
    total_cents INTEGER NOT NULL DEFAULT 0,
    placed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now')),
    paid_at TEXT,
    CHECK (paid_at IS NULL OR paid_at >= placed_at)
);

CREATE TABLE order_items (
    order_id INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE ON UPDATE CASCADE,
    product_id INTEGER NOT NULL REFERENCES products (id) ON DELETE RESTRICT,
    quantity INTEGER NOT NULL DEFAULT 1 CHECK (quantity > 0),
    unit_price_cents INTEGER NOT NULL,
    line_total_cents INTEGER GENERATED ALWAYS AS (quantity * unit_price_cents) STORED,
    PRIMARY KEY (order_id, product_id)
);

CREATE INDEX orders_customer_status ON orders (customer_id, status);
CREATE INDEX orders_placed_at ON orders (placed_at DESC);

UPDATE sqlite_sequence SET seq = 10000 WHERE name = 'orders';

PRAGMA user_version = 25;

-- migration: 0026_shop_triggers
CREATE TRIGGER order_items_total_ai AFTER INSERT ON order_items
BEGIN
    UPDATE orders
    SET total_cents = (SELECT coalesce(sum(line_total_cents), 0) FROM order_items WHERE order_id = NEW.order_id)
    WHERE id = NEW.order_id;
END;

CREATE TRIGGER order_items_total_ad AFTER DELETE ON order_items
BEGIN
    UPDATE orders
    SET total_cents = (SELECT coalesce(sum(line_total_cents), 0) FROM order_items WHERE order_id = OLD.order_id)
    WHERE id = OLD.order_id;
END;

CREATE TRIGGER orders_status_flow
BEFORE UPDATE OF status ON orders
FOR EACH ROW
WHEN OLD.status IN ('cancelled', 'refunded') AND NEW.status <> OLD.status
BEGIN
    SELECT RAISE(ABORT, 'order is closed');
END;

CREATE TRIGGER orders_paid_at
AFTER UPDATE OF status ON orders
WHEN NEW.status = 'paid' AND OLD.status = 'pending'
BEGIN
    UPDATE orders SET paid_at = datetime('now') WHERE id = NEW.id;
    INSERT INTO changes (entity, entity_id, op, payload)
    VALUES ('note', NEW.id, 'update', json_object('status', NEW.status, 'at', unixepoch()));
END;

CREATE TRIGGER products_touch AFTER UPDATE ON products
FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN
    UPDATE products SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id;
END;

PRAGMA user_version = 26;

-- migration: 0027_seed_shop
INSERT INTO products (sku, name, price_cents) VALUES
    ('MUG-001', 'Mug', 1200),
    ('TEE-001', 'T-shirt', 2500),
    ('STK-001', 'Sticker pack', 400);

INSERT INTO customers (email, name) VALUES ('ada@example.com', 'Ada'), ('grace@example.com', 'Grace');

INSERT INTO orders (customer_id) SELECT id FROM customers WHERE email = 'ada@example.com';

INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents)
SELECT o.id, p.id, 2, p.price_cents
FROM orders o CROSS JOIN products p
WHERE p.sku IN ('MUG-001', 'STK-001');

UPDATE orders SET status = 'paid' WHERE status = 'pending';

PRAGMA user_version = 27;

-- migration: 0028_products_rebuild_strict
PRAGMA foreign_keys = OFF;

BEGIN IMMEDIATE;

DROP TRIGGER IF EXISTS products_touch;

CREATE TABLE products_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sku TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT NOT NULL,
    description TEXT,
    price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
    currency TEXT NOT NULL DEFAULT 'EUR' CHECK (length(currency) = 3),
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TEXT
) STRICT;

INSERT INTO products_new (id, sku, name, price_cents, currency, active, created_at, updated_at)
SELECT id, sku, name, price_cents, currency, active, coalesce(created_at, CURRENT_TIMESTAMP), updated_at FROM products;

DROP TABLE products;
ALTER TABLE products_new RENAME TO products;

CREATE INDEX products_active_name ON products (name) WHERE active = 1;

CREATE TRIGGER products_touch AFTER UPDATE ON products
FOR EACH ROW WHEN NEW.updated_at IS OLD.updated_at
BEGIN
    UPDATE products SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id;
END;

PRAGMA foreign_key_check(order_items);

COMMIT;

PRAGMA foreign_keys = ON;

PRAGMA user_version = 28;

-- migration: 0029_quoted_names
CREATE TABLE [order notes] (
    [id] INTEGER PRIMARY KEY,
    [order id] INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    [text] TEXT NOT NULL,
    `created by` TEXT,
    "group" TEXT,
    "order" INTEGER
);

CREATE INDEX [order notes by order] ON [order notes] ([order id], "order");

INSERT INTO [order notes] ([order id], [text], `created by`, "group")
SELECT id, 'imported from the "legacy" system; see ticket #42', 'migration', 'import' FROM orders;

CREATE TABLE 'legacy_flags' ('name' TEXT PRIMARY KEY, 'on' INTEGER);

PRAGMA user_version = 29;

-- migration: 0030_date_helpers
CREATE VIEW orders_by_month AS
SELECT strftime('%Y-%m', placed_at) AS month,
       count(*) AS orders,
       sum(total_cents) / 100.0 AS revenue
FROM orders
WHERE placed_at >= date('now', 'start of year', '-2 years')
GROUP BY 1
ORDER BY 1;

UPDATE orders SET placed_at = datetime(placed_at, 'utc') WHERE placed_at LIKE '____-__-__ __:__:__';

DELETE FROM changes WHERE at < unixepoch('now', '-90 days');

DELETE FROM changes WHERE julianday('now') - julianday(datetime(at, 'unixepoch')) > 365;

SELECT date('now', 'start of month', '+1 month', '-1 day'), time('now'), datetime(1700000000, 'unixepoch', 'localtime');

PRAGMA user_version = 30;

-- migration: 0031_table_as_select
CREATE TABLE customer_emails AS SELECT id, lower(email) AS email FROM customers;

CREATE TABLE IF NOT EXISTS order_totals_snapshot AS
    SELECT o.id, o.status, o.total_cents, datetime('now') AS captured_at FROM orders o;

CREATE TEMP TABLE tmp_ids AS SELECT id FROM notes WHERE archived = 1;

DELETE FROM notes WHERE id IN (SELECT id FROM temp.tmp_ids);

DROP TABLE temp.tmp_ids;

PRAGMA user_version = 31;

-- migration: 0032_dedupe_links
DELETE FROM links
WHERE rowid NOT IN (SELECT min(rowid) FROM links GROUP BY lower(url));

UPDATE OR IGNORE links SET url = rtrim(url, '/');

PRAGMA user_version = 32;

-- migration: 0033_places_rtree
CREATE TABLE places (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    lat REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon REAL NOT NULL CHECK (lon BETWEEN -180 AND 180)
);

CREATE VIRTUAL TABLE places_index USING rtree (id, min_lat, max_lat, min_lon, max_lon);

CREATE TRIGGER places_index_ai AFTER INSERT ON places BEGIN
    INSERT INTO places_index VALUES (NEW.id, NEW.lat, NEW.lat, NEW.lon, NEW.lon);
END;

INSERT INTO places (name, lat, lon) VALUES ('Office', 52.52, 13.405);

PRAGMA user_version = 33;

-- migration: 0034_fts4_legacy_search
CREATE VIRTUAL TABLE IF NOT EXISTS links_search USING fts4(title, url, tokenize=unicode61);

INSERT INTO links_search (docid, title, url) SELECT id, coalesce(title, ''), url FROM links;

INSERT INTO notes_fts (notes_fts) VALUES ('optimize');

PRAGMA user_version = 34;

-- migration: 0035_indexes_galore
CREATE INDEX IF NOT EXISTS customers_name_nocase ON customers (name COLLATE NOCASE);
CREATE INDEX orders_unpaid ON orders (placed_at) WHERE paid_at IS NULL AND status = 'pending';
CREATE INDEX notes_title_lower ON notes (lower(title));
CREATE INDEX notes_updated_desc ON notes (updated_at DESC, id);
CREATE UNIQUE INDEX IF NOT EXISTS devices_name ON devices (name, platform);
CREATE INDEX documents_kind_owner ON documents (kind, data ->> '$.owner.id');
DROP INDEX notes_notebook_id;
REINDEX notes;
REINDEX customers_email;
REINDEX NOCASE;

PRAGMA user_version = 35;

-- migration: 0036_analyze
ANALYZE;
ANALYZE notes;
ANALYZE main.orders;
PRAGMA optimize;

PRAGMA user_version = 36;

-- migration: 0037_vacuum_after_cleanup
DELETE FROM changes WHERE seq < (SELECT max(seq) - 10000 FROM changes);
PRAGMA auto_vacuum = INCREMENTAL;
VACUUM;
PRAGMA incremental_vacuum(64);

PRAGMA user_version = 37;

-- migration: 0038_customers_marketing
ALTER TABLE customers ADD COLUMN marketing_opt_in INTEGER NOT NULL DEFAULT 0 CHECK (marketing_opt_in IN (0, 1));
ALTER TABLE customers ADD COLUMN referred_by INTEGER REFERENCES customers (id) DEFAULT NULL;
ALTER TABLE customers ADD COLUMN locale TEXT NOT NULL DEFAULT 'en' COLLATE NOCASE;

UPDATE customers SET marketing_opt_in = 1;

PRAGMA user_version = 38;

-- migration: 0039_savepoints
SAVEPOINT backfill_addresses;

CREATE TABLE addresses (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    kind TEXT NOT NULL DEFAULT 'shipping',
    line1 TEXT NOT NULL,
    line2 TEXT,
    city TEXT NOT NULL,
    postcode TEXT,
    country TEXT NOT NULL DEFAULT 'DE',
    UNIQUE (customer_id, kind) ON CONFLICT REPLACE
);

INSERT INTO addresses (customer_id, line1, city) SELECT id, 'unknown', 'unknown' FROM customers;

RELEASE SAVEPOINT backfill_addresses;

PRAGMA user_version = 39;

-- migration: 0040_conflict_resolution_inserts
INSERT OR ABORT INTO tags (name) VALUES ('todo');
INSERT OR FAIL INTO tags (name) VALUES ('later');
INSERT OR ROLLBACK INTO tags (name) VALUES ('someday');
INSERT INTO app_settings DEFAULT VALUES;
DELETE FROM app_settings WHERE key IS NULL;

PRAGMA user_version = 40;

-- migration: 0041_triggers_with_when_and_multiple_statements
CREATE TABLE stock (
    product_id INTEGER PRIMARY KEY REFERENCES products (id) ON DELETE CASCADE,
    on_hand INTEGER NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
    reserved INTEGER NOT NULL DEFAULT 0
);

INSERT INTO stock (product_id, on_hand) SELECT id, 100 FROM products;

CREATE TRIGGER order_items_reserve
AFTER INSERT ON order_items
FOR EACH ROW
BEGIN
    SELECT RAISE(ABORT, 'not enough stock')
    WHERE (SELECT on_hand - reserved FROM stock WHERE product_id = NEW.product_id) < NEW.quantity;
    UPDATE stock SET reserved = reserved + NEW.quantity WHERE product_id = NEW.product_id;
    INSERT INTO changes (entity, entity_id, op, payload)
    VALUES ('note', NEW.order_id, 'update', json_object('reserved', NEW.quantity));
END;

CREATE TRIGGER orders_ship
AFTER UPDATE OF status ON orders
FOR EACH ROW
WHEN NEW.status = 'shipped'
BEGIN
    UPDATE stock
    SET on_hand = on_hand - (SELECT quantity FROM order_items oi WHERE oi.order_id = NEW.id AND oi.product_id = stock.product_id),
        reserved = reserved - (SELECT quantity FROM order_items oi WHERE oi.order_id = NEW.id AND oi.product_id = stock.product_id)
    WHERE product_id IN (SELECT product_id FROM order_items WHERE order_id = NEW.id);
END;

CREATE TEMP TRIGGER IF NOT EXISTS tmp_debug_orders AFTER INSERT ON orders BEGIN
    SELECT 1;
END;

PRAGMA user_version = 41;

-- migration: 0042_drop_and_recreate_view
DROP VIEW IF EXISTS live_notes;

CREATE VIEW live_notes AS
    SELECT n.id, n.title, n.body, nb.name AS notebook, n.position, n.updated_at
    FROM notes AS n
    INNER JOIN notebooks AS nb ON nb.id = n.notebook_id
    WHERE n.archived = 0
    ORDER BY nb.name, n.position;

CREATE TEMP VIEW recent_changes AS SELECT * FROM changes ORDER BY seq DESC LIMIT 100;

PRAGMA user_version = 42;

-- migration: 0043_joins
CREATE VIEW customer_orders AS
SELECT c.id AS customer_id, c.email, o.id AS order_id, o.status
FROM customers c
LEFT OUTER JOIN orders o ON o.customer_id = c.id;

CREATE VIEW product_sales AS
SELECT p.sku, coalesce(sum(oi.quantity), 0) AS sold
FROM order_items oi
RIGHT JOIN products p ON p.id = oi.product_id
GROUP BY p.sku;

SELECT count(*) FROM customers c NATURAL JOIN addresses;

PRAGMA user_version = 43;

-- migration: 0044_misc_pragmas
PRAGMA busy_timeout = 5000;
PRAGMA cache_size = -20000;
PRAGMA temp_store = MEMORY;
PRAGMA recursive_triggers = ON;
PRAGMA defer_foreign_keys = ON;
PRAGMA application_id = 1852797812;
PRAGMA main.wal_autocheckpoint = 1000;
PRAGMA table_info(notes);
PRAGMA index_list('orders');
PRAGMA foreign_key_list(order_items);
PRAGMA integrity_check;
PRAGMA quick_check;
PRAGMA wal_checkpoint(TRUNCATE);
PRAGMA recursive_triggers = OFF;

PRAGMA user_version = 44;

-- migration: 0045_rename_column_everywhere
ALTER TABLE notes RENAME COLUMN sort_key TO manual_order;
ALTER TABLE "order notes" RENAME COLUMN [text] TO body;
ALTER TABLE main.links RENAME COLUMN visit_count TO visits;

PRAGMA user_version = 45;

-- migration: 0046_attach_and_copy
ATTACH DATABASE ':memory:' AS scratch;
CREATE TABLE scratch.copy_of_tags AS SELECT * FROM main.tags;
INSERT INTO main.tags (name) SELECT name || '-copy' FROM scratch.copy_of_tags WHERE name IS NOT NULL;
DETACH DATABASE scratch;

PRAGMA user_version = 46;

-- migration: 0047_distinct_from_and_iif
UPDATE notes SET pinned = iif(title LIKE '%important%', 1, 0) WHERE pinned IS NOT iif(title LIKE '%important%', 1, 0);

SELECT count(*) FROM orders WHERE paid_at IS DISTINCT FROM placed_at;

UPDATE customers SET name = format('%s <%s>', coalesce(name, 'anon'), email) WHERE name IS NULL;

PRAGMA user_version = 47;

-- migration: 0048_nulls_ordering_and_filters
CREATE VIEW customer_summary AS
SELECT c.id,
       c.email,
       count(o.id) FILTER (WHERE o.status = 'paid') AS paid_orders,
       max(o.placed_at) AS last_order_at,
       group_concat(DISTINCT o.status) AS statuses,
       total(o.total_cents) AS lifetime_cents
FROM customers c
LEFT JOIN orders o ON o.customer_id = c.id
GROUP BY c.id
ORDER BY last_order_at DESC NULLS LAST;

PRAGMA user_version = 48;

-- migration: 0049_note_versions
CREATE TABLE note_versions (
    note_id INTEGER NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    body TEXT,
    saved_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ')),
    PRIMARY KEY (note_id, version)
) WITHOUT ROWID;

CREATE TRIGGER notes_version_on_update
BEFORE UPDATE OF body ON notes
WHEN OLD.body IS NOT NEW.body
BEGIN
    INSERT INTO note_versions (note_id, version, title, body)
    VALUES (
        OLD.id,
        coalesce((SELECT max(version) FROM note_versions WHERE note_id = OLD.id), 0) + 1,
        OLD.title,
        OLD.body
    );
    DELETE FROM note_versions
    WHERE note_id = OLD.id
      AND version <= (SELECT max(version) - 50 FROM note_versions WHERE note_id = OLD.id);
END;

UPDATE notes SET body = body || char(10) || '-- edited by migration 49' WHERE id = 1;

PRAGMA user_version = 49;

-- migration: 0050_transactions_explicit
BEGIN DEFERRED TRANSACTION;
UPDATE products SET price_cents = price_cents + 100 WHERE sku LIKE 'TEE-%';
INSERT INTO changes (entity, entity_id, op) SELECT 'note', id, 'update' FROM products WHERE sku LIKE 'TEE-%';
END TRANSACTION;

BEGIN EXCLUSIVE;
DELETE FROM app_settings WHERE key = 'spellcheck';
ROLLBACK;

PRAGMA user_version = 50;

-- migration: 0051_drop_legacy
DROP TABLE IF EXISTS legacy_flags;
DROP TABLE IF EXISTS customer_emails;
DROP VIEW IF EXISTS tag_counts;
DROP TRIGGER IF EXISTS tags_no_blank;
DROP INDEX IF EXISTS orders_unpaid;

PRAGMA user_version = 51;

-- migration: 0052_customers_drop_locale
ALTER TABLE customers DROP COLUMN locale;
ALTER TABLE order_totals_snapshot DROP COLUMN captured_at;

PRAGMA user_version = 52;

-- migration: 0053_case_expressions
UPDATE orders
SET status = CASE status
    WHEN 'pending' THEN 'pending'
    WHEN 'paid' THEN CASE WHEN paid_at IS NULL THEN 'pending' ELSE 'paid' END
    ELSE status
END;

SELECT CASE WHEN count(*) > 0 THEN 'has orders' ELSE 'empty' END FROM orders;

PRAGMA user_version = 53;

-- migration: 0054_blob_and_hex
INSERT INTO attachments (note_id, filename, mime, size, sha256, data)
VALUES (1, 'hello.txt', 'text/plain', 5, zeroblob(32), X'68656C6C6F');

UPDATE attachments SET sha256 = randomblob(32) WHERE sha256 = zeroblob(32);

PRAGMA user_version = 54;

-- migration: 0055_values_and_compound_selects
INSERT INTO tags (name)
SELECT column1 FROM (VALUES ('reading'), ('work'), ('personal'))
EXCEPT
SELECT name FROM tags;

SELECT name FROM tags UNION SELECT name FROM notebooks ORDER BY 1 LIMIT 10 OFFSET 0;

PRAGMA user_version = 55;

-- migration: 0056_exists_and_subqueries
DELETE FROM note_tags
WHERE NOT EXISTS (SELECT 1 FROM notes WHERE notes.id = note_tags.note_id);

UPDATE tags SET name = lower(name)
WHERE name <> lower(name)
  AND NOT EXISTS (SELECT 1 FROM tags t2 WHERE t2.name = lower(tags.name));

PRAGMA user_version = 56;

-- migration: 0057_strict_any_and_checks
CREATE TABLE IF NOT EXISTS job_queue (
    id INTEGER PRIMARY KEY,
    queue TEXT NOT NULL DEFAULT 'default',
    payload ANY NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    run_at INTEGER NOT NULL DEFAULT (unixepoch()),
    locked_by TEXT,
    locked_at INTEGER,
    CHECK ((locked_by IS NULL) = (locked_at IS NULL))
) STRICT;

CREATE INDEX job_queue_ready ON job_queue (queue, run_at) WHERE locked_by IS NULL;

INSERT INTO job_queue (payload) VALUES ('reindex'), (42), (X'00FF');

UPDATE job_queue
SET locked_by = 'worker-1', locked_at = unixepoch()
WHERE id = (SELECT id FROM job_queue WHERE locked_by IS NULL ORDER BY run_at LIMIT 1)
RETURNING id, payload;

DELETE FROM job_queue WHERE attempts > 5 RETURNING *;

PRAGMA user_version = 57;

-- migration: 0058_links_rebuild_with_view_dance
-- Views that name the table must go first, or ALTER TABLE ... RENAME refuses.
PRAGMA foreign_keys = OFF;
BEGIN;
DROP INDEX IF EXISTS bookmarks_host;
CREATE TABLE links_new (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    title TEXT,
    favicon BLOB,
    visits INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    archived_at TEXT
);
INSERT INTO links_new (id, url, title, favicon, visits, created_at)
    SELECT id, url, title, favicon, coalesce(visits, 0), coalesce(created_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) FROM links;
DROP TABLE links;
ALTER TABLE links_new RENAME TO links;
CREATE UNIQUE INDEX IF NOT EXISTS links_url_nocase ON links (url COLLATE NOCASE);
CREATE VIEW active_links AS SELECT id, url, title FROM links WHERE archived_at IS NULL;
PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys = ON;

PRAGMA user_version = 58;

-- migration: 0059_more_generated
ALTER TABLE customers ADD COLUMN email_domain TEXT AS (substr(email, instr(email, '@') + 1)) VIRTUAL;
CREATE INDEX customers_email_domain ON customers (email_domain);

PRAGMA user_version = 59;

-- migration: 0060_row_values
SELECT * FROM orders WHERE (customer_id, status) IN (SELECT id, 'paid' FROM customers);
UPDATE addresses SET (line1, city) = ('Unknown street', 'Unknown city') WHERE line1 = 'unknown';

PRAGMA user_version = 60;

-- migration: 0061_schema_qualified
CREATE TABLE main.audit (
    id INTEGER PRIMARY KEY,
    happened_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    actor TEXT,
    action TEXT NOT NULL,
    detail TEXT
);
CREATE INDEX main.audit_happened_at ON audit (happened_at);
CREATE TRIGGER main.customers_audit AFTER DELETE ON customers BEGIN
    INSERT INTO audit (actor, action, detail) VALUES ('system', 'customer.delete', OLD.email);
END;

PRAGMA user_version = 61;

-- migration: 0062_glob_like_escape
UPDATE products SET name = replace(name, '_', ' ') WHERE name LIKE '%\_%' ESCAPE '\';
SELECT count(*) FROM links WHERE url GLOB 'http://*';
UPDATE links SET url = 'https://' || substr(url, 8) WHERE url GLOB 'http://*';

PRAGMA user_version = 62;

-- migration: 0063_numbers_and_literals
CREATE TABLE limits (
    name TEXT PRIMARY KEY,
    max_value INTEGER DEFAULT 9223372036854775807,
    min_value INTEGER DEFAULT -9223372036854775808,
    ratio REAL DEFAULT 1.5e-3,
    hex_mask INTEGER DEFAULT 0xFF,
    enabled DEFAULT TRUE,
    note TEXT DEFAULT 'it''s fine'
);

INSERT INTO limits (name) VALUES ('defaults');

PRAGMA user_version = 63;

-- migration: 0064_indexed_by_and_casts
SELECT id FROM orders INDEXED BY orders_customer_status WHERE customer_id = 1;
SELECT CAST(total_cents AS REAL) / 100, CAST('42' AS INTEGER), typeof(CAST(1 AS TEXT)) FROM orders;
UPDATE job_queue SET attempts = CAST(attempts AS INTEGER) + 1 WHERE locked_by IS NOT NULL;

PRAGMA user_version = 64;

-- migration: 0065_last_rebuild_orders
PRAGMA legacy_alter_table = ON;
PRAGMA foreign_keys = OFF;
SAVEPOINT rebuild_orders;
DROP VIEW IF EXISTS customer_orders;
DROP VIEW IF EXISTS customer_summary;
DROP VIEW IF EXISTS orders_by_month;
DROP TRIGGER IF EXISTS orders_status_flow;
DROP TRIGGER IF EXISTS orders_paid_at;
DROP TRIGGER IF EXISTS orders_ship;
CREATE TABLE _orders_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE RESTRICT,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded')),
    total_cents INTEGER NOT NULL DEFAULT 0,
    currency TEXT NOT NULL DEFAULT 'EUR',
    placed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%S', 'now')),
    paid_at TEXT,
    shipped_at TEXT
);
INSERT INTO _orders_new (id, customer_id, status, total_cents, placed_at, paid_at)
    SELECT id, customer_id, status, total_cents, placed_at, paid_at FROM orders;
DROP TABLE orders;
ALTER TABLE _orders_new RENAME TO orders;
CREATE INDEX orders_customer_status ON orders (customer_id, status);
CREATE INDEX orders_placed_at ON orders (placed_at DESC);
CREATE VIEW customer_orders AS
    SELECT c.id AS customer_id, c.email, o.id AS order_id, o.status
    FROM customers c LEFT JOIN orders o ON o.customer_id = c.id;
CREATE TRIGGER orders_status_flow
BEFORE UPDATE OF status ON orders
WHEN OLD.status IN ('cancelled', 'refunded') AND NEW.status <> OLD.status
BEGIN
    SELECT RAISE(ABORT, 'order is closed');
END;
PRAGMA foreign_key_check;
RELEASE rebuild_orders;
PRAGMA foreign_keys = ON;
PRAGMA legacy_alter_table = OFF;

PRAGMA user_version = 65;

-- migration: 2023-01-10-120000_diesel_setup
-- This file was automatically created by Diesel CLI.
-- Sets up a few helper tables the Rust rewrite expects.
CREATE TABLE IF NOT EXISTS __diesel_schema_migrations (
    version VARCHAR(50) PRIMARY KEY NOT NULL,
    run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

INSERT OR IGNORE INTO __diesel_schema_migrations (version) VALUES ('00000000000000'), ('20230110120000');

-- migration: 20230301093000_sqlx_users
-- Add migration script here
CREATE TABLE IF NOT EXISTS users (
    id BLOB PRIMARY KEY NOT NULL,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    is_admin BOOLEAN NOT NULL DEFAULT FALSE,
    created_at INTEGER NOT NULL DEFAULT (unixepoch()),
    CHECK (length(username) BETWEEN 3 AND 32),
    CHECK (username NOT GLOB '*[^a-z0-9_.-]*')
);

CREATE TRIGGER IF NOT EXISTS users_protect_last_admin
BEFORE UPDATE OF is_admin ON users
FOR EACH ROW
WHEN OLD.is_admin AND NOT NEW.is_admin
     AND (SELECT count(*) FROM users WHERE is_admin) = 1
BEGIN
    SELECT RAISE(ROLLBACK, 'cannot demote the last admin');
END;

INSERT INTO users (id, username, password_hash, is_admin)
VALUES (randomblob(16), 'admin', '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA', TRUE);

-- migration: 20230415110000_notes_owner
ALTER TABLE notes ADD COLUMN owner_id BLOB REFERENCES users (id) ON DELETE SET NULL;
UPDATE notes SET owner_id = (SELECT id FROM users WHERE username = 'admin');
CREATE INDEX notes_owner ON notes (owner_id) WHERE owner_id IS NOT NULL;

-- migration: 20230502140000_upsert_from_select
CREATE TABLE tag_usage (
    tag_id INTEGER PRIMARY KEY REFERENCES tags (id) ON DELETE CASCADE,
    uses INTEGER NOT NULL DEFAULT 0
);

INSERT INTO tag_usage (tag_id, uses)
SELECT tag_id, count(*) FROM note_tags WHERE 1 GROUP BY tag_id
ON CONFLICT (tag_id) DO UPDATE SET uses = excluded.uses;

INSERT INTO tag_usage (tag_id, uses)
SELECT id, 0 FROM tags WHERE true
ON CONFLICT (tag_id) DO NOTHING;

DELETE FROM tag_usage WHERE nullif(uses, 0) IS NULL;

-- migration: 20230610090000_feed_view
CREATE VIEW activity_feed AS
    SELECT 'note' AS kind, id, title AS label, updated_at AS at FROM notes
    UNION ALL
    SELECT 'link', id, coalesce(title, url), created_at FROM links
    UNION ALL
    SELECT 'order', id, 'Order #' || id, placed_at FROM orders;

SELECT kind, count(*) FROM activity_feed GROUP BY kind HAVING count(*) > 0;

-- migration: 0066_final_housekeeping
INSERT INTO __migrations (version, name)
SELECT value, 'backfilled' FROM json_each('[2,3,4,5,6,7,8,9,10]')
WHERE value NOT IN (SELECT version FROM __migrations);
DELETE FROM sqlite_sequence WHERE name NOT IN (SELECT name FROM sqlite_schema WHERE type = 'table');
ANALYZE;
VACUUM main;
PRAGMA user_version = 66;
