-- Creates the users table.
CREATE TABLE users (
  id BIGINT PRIMARY KEY,
  email TEXT NOT NULL
);

INSERT INTO users (id, email) VALUSE (1, 'a@example.com');
