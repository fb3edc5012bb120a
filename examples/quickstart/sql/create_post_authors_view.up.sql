-- Who wrote what, by display name.
CREATE VIEW post_authors AS
SELECT posts.id AS post_id, posts.title AS title, users.display_name AS author
FROM posts
JOIN users ON users.id = posts.author_id;
