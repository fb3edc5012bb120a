//! `updown::testing::assert_reversible` in a test binary of its own: the migrations
//! below are the only ones registered here.

#[path = "fixtures/migrations/create_accounts.rs"]
mod file_create_accounts;
#[path = "fixtures/migrations/verify_leaves_view.rs"]
mod file_verify_leaves_view;

#[test]
fn assert_reversible_panics_with_the_difference() {
    for db in updown_tests::databases() {
        let panic = std::panic::catch_unwind(|| updown::testing::assert_reversible_on(&db.url))
            .expect_err("a down that leaves a view behind must fail");
        let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(
            message.contains("migration 1013 create_badges"),
            "{message}"
        );
        assert!(
            message.contains("view account_emails: left behind"),
            "{message}"
        );
    }
}
