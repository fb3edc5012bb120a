-- Certainly-invalid sqlite SQL: mistakes a real user could type, one case per block that
-- starts with a line that is exactly `-- case`. Each case was run as one script on a fresh
-- SQLite (3.40 and the bundled 3.53) database holding only the fixture tables
-- users (id INTEGER PRIMARY KEY, email TEXT, name TEXT, created_at TEXT),
-- orders (id INTEGER PRIMARY KEY, user_id INTEGER, total REAL, status TEXT), t (id INT, x INT)
-- (FIXTURE in validate.py) and was rejected with a syntax error. `-- server:` records the
-- server's message; `-- parser-may-accept` marks a case a lenient parser might let through.

-- case
-- server: near "CREAT": syntax error
-- misspelt leading keyword
CREAT TABLE accounts (id int PRIMARY KEY);

-- case
-- server: near "ALTR": syntax error
-- misspelt leading keyword
ALTR TABLE users ADD COLUMN age int;

-- case
-- server: near "SELEC": syntax error
-- misspelt leading keyword
SELEC id, email FROM users;

-- case
-- server: near "INSRT": syntax error
-- misspelt leading keyword
INSRT INTO users (id, email) VALUES (1, 'a@example.com');

-- case
-- server: near "UPDTE": syntax error
-- misspelt leading keyword
UPDTE users SET name = 'x' WHERE id = 1;

-- case
-- server: near "DELET": syntax error
-- misspelt leading keyword
DELET FROM users WHERE id = 1;

-- case
-- server: near "TABEL": syntax error
-- misspelt second keyword
CREATE TABEL accounts (id int PRIMARY KEY);

-- case
-- server: near "UNIQE": syntax error
-- misspelt keyword in CREATE UNIQUE INDEX
CREATE UNIQE INDEX users_email_key ON users (email);

-- case
-- server: near ";": syntax error
-- unbalanced parentheses: missing closing paren
CREATE TABLE accounts (id int PRIMARY KEY, name varchar(100);

-- case
-- server: near ")": syntax error
-- unbalanced parentheses: one too many
CREATE TABLE accounts (id int PRIMARY KEY, name varchar(100)));

-- case
-- server: near "FROM": syntax error
-- unbalanced parentheses in an expression
SELECT count(* FROM users;

-- case
-- server: near "VALUES": syntax error
-- column list not closed before VALUES
INSERT INTO users (id, name VALUES (1, 'x');

-- case
-- server: unrecognized token: "'abc); "
-- unterminated string literal
INSERT INTO users (id, name) VALUES (1, 'abc);

-- case
-- server: near "CREATE": syntax error
-- missing ; between two statements
CREATE TABLE accounts (x int)
CREATE TABLE invoices (y int);

-- case
-- server: near "name": syntax error
-- missing comma between column definitions
CREATE TABLE accounts (
    id integer PRIMARY KEY
    name text
);

-- case
-- server: near "KY": syntax error
-- misspelt keyword in the middle
CREATE TABLE accounts (id INT PRIMARY KY);

-- case
-- server: near ")": syntax error
-- trailing comma in a column list
CREATE TABLE accounts (
    id int,
    name text,
);

-- case
-- server: incomplete input
-- incomplete VALUES list
INSERT INTO t VALUES (1,

-- case
-- server: near ";": syntax error
-- trailing comma after the last row
INSERT INTO users (id, email) VALUES (1, 'a@example.com'), ;

-- case
-- server: near "(": syntax error
-- missing comma between rows
INSERT INTO t (id, x) VALUES (1, 2) (3, 4);

-- case
-- server: near "email": syntax error
-- missing comma in SET list
UPDATE users SET name = 'x' email = 'y' WHERE id = 1;

-- case
-- server: near "WHERE": syntax error
-- SET with no assignment
UPDATE users SET WHERE id = 1;

-- case
-- server: near ";": syntax error
-- WHERE with no condition
SELECT * FROM users WHERE;

-- case
-- server: near "email": syntax error
-- missing commas in the select list
SELECT id name email FROM users;

-- case
-- server: near "NUL": syntax error
-- NOT NULL misspelt
CREATE TABLE accounts (id int NOT NUL);

-- case
-- server: near ")": syntax error
-- DEFAULT with no value
CREATE TABLE accounts (id int, flag int DEFAULT);

-- case
-- server: near "id": syntax error
-- CHECK without parentheses
CREATE TABLE accounts (id int CHECK id > 0);

-- case
-- server: near "(": syntax error
-- no table name
CREATE TABLE (id int);

-- case
-- server: near ";": syntax error
-- RENAME COLUMN without TO
ALTER TABLE users RENAME COLUMN name;

-- case
-- server: unrecognized token: ""name FROM users; "
-- unterminated quoted identifier
SELECT "name FROM users;

-- case
-- server: unrecognized token: "[name FROM users; "
-- unterminated bracket identifier
SELECT [name FROM users;

-- case
-- server: near "DEFALT": syntax error
-- ADD COLUMN with misspelt DEFAULT
ALTER TABLE users ADD COLUMN age INTEGER NOT NULL DEFALT 0;

-- case
-- server: near "AUTO_INCREMENT": syntax error
-- parser-may-accept
-- AUTO_INCREMENT (MySQL spelling) instead of AUTOINCREMENT
CREATE TABLE accounts (id INTEGER PRIMARY KEY AUTO_INCREMENT, name TEXT);

-- case
-- server: near "INSERT": syntax error
-- missing ; inside a trigger body
CREATE TRIGGER users_ai AFTER INSERT ON users BEGIN
    UPDATE users SET name = lower(name) WHERE id = NEW.id
    INSERT INTO t (id, x) VALUES (NEW.id, 1);
END;

-- case
-- server: incomplete input
-- trigger body never closed with END
CREATE TRIGGER users_ai AFTER INSERT ON users BEGIN
    UPDATE users SET name = lower(name) WHERE id = NEW.id;

-- case
-- server: near "WITHOUT": syntax error
-- parser-may-accept
-- table options without a comma between them
CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT) STRICT WITHOUT ROWID;

-- case
-- server: near ";": syntax error
-- PRAGMA with no value
PRAGMA foreign_keys = ;

-- case
-- server: near "REPLCE": syntax error
-- misspelt conflict resolution
INSERT OR REPLCE INTO t (id, x) VALUES (1, 2);

-- case
-- server: near ";": syntax error
-- DROP COLUMN without a column
ALTER TABLE users DROP COLUMN;

-- case
-- server: near "users": syntax error
-- parser-may-accept
-- DELETE without FROM
DELETE users WHERE id = 1;
