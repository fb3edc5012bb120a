DROP VIEW post_authors;
