//! Migrations, one module each; `updown new NAME` adds them here.

mod m20250101_120000_create_users_and_posts;
mod m20250102_090000_add_display_name;
mod m20250103_100000_backfill_display_names;
mod m20250104_080000_index_posts_by_title;
mod m20250105_080000_create_post_authors_view;
