-- Certainly-invalid mysql SQL: mistakes a real user could type, one case per block that
-- starts with a line that is exactly `-- case`. Each case was run as one script on a fresh
-- MariaDB 10.11 database holding only the fixture tables
-- users (id BIGINT PRIMARY KEY, email VARCHAR(255), name VARCHAR(255), created_at DATETIME),
-- orders (id BIGINT PRIMARY KEY, user_id BIGINT, total DECIMAL(10,2), status VARCHAR(20)), t (id INT, x INT)
-- (FIXTURE in validate.py) and was rejected with a syntax error. `-- server:` records the
-- server's message; `-- parser-may-accept` marks a case a lenient parser might let through.

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near 'CREAT TABLE accounts (id int PRIMARY KEY)'
-- misspelt leading keyword
CREAT TABLE accounts (id int PRIMARY KEY);

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near 'ALTR TABLE users ADD COLUMN age int'
-- misspelt leading keyword
ALTR TABLE users ADD COLUMN age int;

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near 'SELEC id, email FROM users'
-- misspelt leading keyword
SELEC id, email FROM users;

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near 'INSRT INTO users (id, email) VALUES (1, 'a@example.com')'
-- misspelt leading keyword
INSRT INTO users (id, email) VALUES (1, 'a@example.com');

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near 'UPDTE users SET name = 'x' WHERE id = 1'
-- misspelt leading keyword
UPDTE users SET name = 'x' WHERE id = 1;

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near 'DELET FROM users WHERE id = 1'
-- misspelt leading keyword
DELET FROM users WHERE id = 1;

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near 'TABEL accounts (id int PRIMARY KEY)'
-- parser-may-accept
-- misspelt second keyword
CREATE TABEL accounts (id int PRIMARY KEY);

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near 'UNIQE INDEX users_email_key ON users (email)'
-- parser-may-accept
-- misspelt keyword in CREATE UNIQUE INDEX
CREATE UNIQE INDEX users_email_key ON users (email);

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near ''
-- unbalanced parentheses: missing closing paren
CREATE TABLE accounts (id int PRIMARY KEY, name varchar(100);

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near ')'
-- unbalanced parentheses: one too many
CREATE TABLE accounts (id int PRIMARY KEY, name varchar(100)));

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near 'FROM users'
-- unbalanced parentheses in an expression
SELECT count(* FROM users;

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near 'VALUES (1, 'x')'
-- column list not closed before VALUES
INSERT INTO users (id, name VALUES (1, 'x');

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near ''abc)'
-- unterminated string literal
INSERT INTO users (id, name) VALUES (1, 'abc);

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near 'CREATE TABLE invoices (y int)'
-- missing ; between two statements
CREATE TABLE accounts (x int)
CREATE TABLE invoices (y int);

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near 'name text )'
-- parser-may-accept
-- missing comma between column definitions
CREATE TABLE accounts (
    id integer PRIMARY KEY
    name text
);

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near 'KY)'
-- parser-may-accept
-- misspelt keyword in the middle
CREATE TABLE accounts (id INT PRIMARY KY);

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near ')'
-- trailing comma in a column list
CREATE TABLE accounts (
    id int,
    name text,
);

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near ''
-- incomplete VALUES list
INSERT INTO t VALUES (1,

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near ''
-- parser-may-accept
-- trailing comma after the last row
INSERT INTO users (id, email) VALUES (1, 'a@example.com'), ;

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near '(3, 4)'
-- parser-may-accept
-- missing comma between rows
INSERT INTO t (id, x) VALUES (1, 2) (3, 4);

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near 'email = 'y' WHERE id = 1'
-- parser-may-accept
-- missing comma in SET list
UPDATE users SET name = 'x' email = 'y' WHERE id = 1;

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near 'WHERE id = 1'
-- parser-may-accept
-- SET with no assignment
UPDATE users SET WHERE id = 1;

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near ''
-- parser-may-accept
-- WHERE with no condition
SELECT * FROM users WHERE;

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near 'email FROM users'
-- parser-may-accept
-- missing commas in the select list
SELECT id name email FROM users;

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near 'NUL)'
-- parser-may-accept
-- NOT NULL misspelt
CREATE TABLE accounts (id int NOT NUL);

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near ')'
-- parser-may-accept
-- DEFAULT with no value
CREATE TABLE accounts (id int, flag int DEFAULT);

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near 'id > 0)'
-- parser-may-accept
-- CHECK without parentheses
CREATE TABLE accounts (id int CHECK id > 0);

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near '(id int)'
-- parser-may-accept
-- no table name
CREATE TABLE (id int);

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near ''
-- parser-may-accept
-- RENAME COLUMN without TO
ALTER TABLE users RENAME COLUMN name;

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near '`name FROM users'
-- unterminated backtick identifier
SELECT `name FROM users;

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near '0'
-- parser-may-accept
-- DEFAULT misspelt in ADD COLUMN
ALTER TABLE users ADD COLUMN age INT NOT NULL DEFUALT 0;

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near 'utf8mb4_bin NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4'
-- parser-may-accept
-- COLLATE misspelt in a column definition
CREATE TABLE accounts (id INT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(191) COLATE utf8mb4_bin NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near 'name'
-- parser-may-accept
-- AFTER misspelt
ALTER TABLE users ADD COLUMN age INT UNSIGNED NOT NULL DEFAULT 0 AFTERR name;

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near 'SET NEW.email = LOWER(NEW.email); END'
-- parser-may-accept
-- missing ; inside a trigger body
CREATE TRIGGER users_bi BEFORE INSERT ON users FOR EACH ROW
BEGIN
  SET NEW.name = LOWER(NEW.name)
  SET NEW.email = LOWER(NEW.email);
END;

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near 'users_old'
-- parser-may-accept
-- RENAME TABLE without TO
RENAME TABLE users users_old;

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near '0'
-- parser-may-accept
-- SET without =
SET FOREIGN_KEY_CHECKS 0;

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near ''
-- parser-may-accept
-- DROP INDEX without ON table
DROP INDEX users_email_key;

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near ''
-- unbalanced parentheses in ADD INDEX
ALTER TABLE users ADD INDEX users_email_idx (email;

-- case
-- server: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near 'WHERE id = 1'
-- parser-may-accept
-- DELETE without FROM
DELETE users WHERE id = 1;
