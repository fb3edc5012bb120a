//! diesel's view of the tables, for the migrations that use the query builder.

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        display_name -> Nullable<Text>,
    }
}
