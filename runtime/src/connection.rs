//! [`AnyConnection`]: diesel's `MultiConnection` over the backends compiled in, so that
//! migration bodies written with diesel's query builder run unchanged on each of them.

macro_rules! any_connection {
    ($($variant:ident($conn:ty)),+) => {
        /// A diesel connection to any of the compiled-in backends (`sqlite`, `postgres`,
        /// `mysql` features). Use it with diesel's query builder and `table!` types in a
        /// migration: `diesel::update(users::table).set(..).execute(db.conn())?`.
        #[derive(diesel::MultiConnection)]
        pub enum AnyConnection {
            $(
                #[doc = concat!("A connection through [`", stringify!($conn), "`].")]
                $variant($conn)
            ),+
        }
    };
}

#[cfg(all(feature = "postgres", feature = "mysql", feature = "sqlite"))]
any_connection!(
    Postgres(diesel::PgConnection),
    Mysql(diesel::MysqlConnection),
    Sqlite(diesel::SqliteConnection)
);
#[cfg(all(feature = "postgres", feature = "mysql", not(feature = "sqlite")))]
any_connection!(
    Postgres(diesel::PgConnection),
    Mysql(diesel::MysqlConnection)
);
#[cfg(all(feature = "postgres", not(feature = "mysql"), feature = "sqlite"))]
any_connection!(
    Postgres(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection)
);
#[cfg(all(not(feature = "postgres"), feature = "mysql", feature = "sqlite"))]
any_connection!(
    Mysql(diesel::MysqlConnection),
    Sqlite(diesel::SqliteConnection)
);
#[cfg(all(feature = "postgres", not(feature = "mysql"), not(feature = "sqlite")))]
any_connection!(Postgres(diesel::PgConnection));
#[cfg(all(not(feature = "postgres"), feature = "mysql", not(feature = "sqlite")))]
any_connection!(Mysql(diesel::MysqlConnection));
#[cfg(all(not(feature = "postgres"), not(feature = "mysql"), feature = "sqlite"))]
any_connection!(Sqlite(diesel::SqliteConnection));

#[cfg(not(any(feature = "postgres", feature = "mysql", feature = "sqlite")))]
compile_error!(
    "updown needs at least one backend: enable the `sqlite`, `postgres` or `mysql` feature"
);

impl AnyConnection {
    /// Which database this connection is to.
    pub fn backend(&self) -> crate::Backend {
        match self {
            #[cfg(feature = "postgres")]
            AnyConnection::Postgres(_) => crate::Backend::Postgres,
            #[cfg(feature = "mysql")]
            AnyConnection::Mysql(_) => crate::Backend::Mysql,
            #[cfg(feature = "sqlite")]
            AnyConnection::Sqlite(_) => crate::Backend::Sqlite,
        }
    }
}
