-- Certainly-invalid postgres SQL: mistakes a real user could type, one case per block that
-- starts with a line that is exactly `-- case`. Each case was run as one script on a fresh
-- PostgreSQL 15 database holding only the fixture tables
-- users (id bigint PRIMARY KEY, email text, name text, created_at timestamptz),
-- orders (id bigint PRIMARY KEY, user_id bigint, total numeric(10,2), status text), t (id int, x int)
-- (FIXTURE in validate.py) and was rejected with a syntax error. `-- server:` records the
-- server's message; `-- parser-may-accept` marks a case a lenient parser might let through.

-- case
-- server: syntax error at or near "CREAT"
-- misspelt leading keyword
CREAT TABLE accounts (id int PRIMARY KEY);

-- case
-- server: syntax error at or near "ALTR"
-- misspelt leading keyword
ALTR TABLE users ADD COLUMN age int;

-- case
-- server: syntax error at or near "SELEC"
-- misspelt leading keyword
SELEC id, email FROM users;

-- case
-- server: syntax error at or near "INSRT"
-- misspelt leading keyword
INSRT INTO users (id, email) VALUES (1, 'a@example.com');

-- case
-- server: syntax error at or near "UPDTE"
-- misspelt leading keyword
UPDTE users SET name = 'x' WHERE id = 1;

-- case
-- server: syntax error at or near "DELET"
-- misspelt leading keyword
DELET FROM users WHERE id = 1;

-- case
-- server: syntax error at or near "TABEL"
-- misspelt second keyword
CREATE TABEL accounts (id int PRIMARY KEY);

-- case
-- server: syntax error at or near "UNIQE"
-- misspelt keyword in CREATE UNIQUE INDEX
CREATE UNIQE INDEX users_email_key ON users (email);

-- case
-- server: syntax error at or near ";"
-- unbalanced parentheses: missing closing paren
CREATE TABLE accounts (id int PRIMARY KEY, name varchar(100);

-- case
-- server: syntax error at or near ")"
-- unbalanced parentheses: one too many
CREATE TABLE accounts (id int PRIMARY KEY, name varchar(100)));

-- case
-- server: syntax error at or near "FROM"
-- unbalanced parentheses in an expression
SELECT count(* FROM users;

-- case
-- server: syntax error at or near "VALUES"
-- column list not closed before VALUES
INSERT INTO users (id, name VALUES (1, 'x');

-- case
-- server: unterminated quoted string at or near "'abc); "
-- unterminated string literal
INSERT INTO users (id, name) VALUES (1, 'abc);

-- case
-- server: syntax error at or near "CREATE"
-- missing ; between two statements
CREATE TABLE accounts (x int)
CREATE TABLE invoices (y int);

-- case
-- server: syntax error at or near "name"
-- missing comma between column definitions
CREATE TABLE accounts (
    id integer PRIMARY KEY
    name text
);

-- case
-- server: syntax error at or near "KY"
-- misspelt keyword in the middle
CREATE TABLE accounts (id INT PRIMARY KY);

-- case
-- server: syntax error at or near ")"
-- trailing comma in a column list
CREATE TABLE accounts (
    id int,
    name text,
);

-- case
-- server: syntax error at end of input
-- incomplete VALUES list
INSERT INTO t VALUES (1,

-- case
-- server: syntax error at or near ";"
-- trailing comma after the last row
INSERT INTO users (id, email) VALUES (1, 'a@example.com'), ;

-- case
-- server: syntax error at or near "("
-- missing comma between rows
INSERT INTO t (id, x) VALUES (1, 2) (3, 4);

-- case
-- server: syntax error at or near "email"
-- missing comma in SET list
UPDATE users SET name = 'x' email = 'y' WHERE id = 1;

-- case
-- server: syntax error at or near "WHERE"
-- SET with no assignment
UPDATE users SET WHERE id = 1;

-- case
-- server: syntax error at or near ";"
-- WHERE with no condition
SELECT * FROM users WHERE;

-- case
-- server: syntax error at or near "email"
-- missing commas in the select list
SELECT id name email FROM users;

-- case
-- server: syntax error at or near "NUL"
-- NOT NULL misspelt
CREATE TABLE accounts (id int NOT NUL);

-- case
-- server: syntax error at or near ")"
-- DEFAULT with no value
CREATE TABLE accounts (id int, flag int DEFAULT);

-- case
-- server: syntax error at or near "id"
-- CHECK without parentheses
CREATE TABLE accounts (id int CHECK id > 0);

-- case
-- server: syntax error at or near "("
-- no table name
CREATE TABLE (id int);

-- case
-- server: syntax error at or near ";"
-- RENAME COLUMN without TO
ALTER TABLE users RENAME COLUMN name;

-- case
-- server: unterminated quoted identifier at or near ""name FROM users; "
-- unterminated quoted identifier
SELECT "name FROM users;

-- case
-- server: syntax error at or near "int"
-- ADD COLUM instead of ADD COLUMN
ALTER TABLE users ADD COLUM age int;

-- case
-- server: unterminated dollar-quoted string at or near "$$ SELECT 1 LANGUAGE sql; "
-- unterminated dollar-quoted function body
CREATE FUNCTION one() RETURNS int AS $$ SELECT 1 LANGUAGE sql;

-- case
-- server: unterminated /* comment at or near "/* add the age column ALTER TABLE users ADD COLUMN age int; "
-- parser-may-accept
-- unterminated block comment
/* add the age column
ALTER TABLE users ADD COLUMN age int;

-- case
-- server: syntax error at or near "'People who can sign in'"
-- COMMENT ON without IS
COMMENT ON TABLE users 'People who can sign in';

-- case
-- server: syntax error at or near "'happy'"
-- enum labels without parentheses
CREATE TYPE mood AS ENUM 'happy', 'sad';

-- case
-- server: syntax error at or near "users_email_idx"
-- CONCURRENTLY misspelt
CREATE INDEX CONCURENTLY users_email_idx ON users (email);

-- case
-- server: syntax error at or near ";"
-- ALTER COLUMN ... TYPE with no type
ALTER TABLE users ALTER COLUMN email TYPE;

-- case
-- server: syntax error at or near "NEW"
-- parser-may-accept
-- missing ; inside a PL/pgSQL body (the server checks function bodies)
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.created_at := now()
    RETURN NEW;
END;
$$;

-- case
-- server: syntax error at or near "users"
-- parser-may-accept
-- DELETE without FROM
DELETE users WHERE id = 1;
