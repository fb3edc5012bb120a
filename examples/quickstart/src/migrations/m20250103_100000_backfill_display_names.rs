use updown::prelude::*;

/// A data backfill with diesel's query builder: `ada@example.com` -> `Ada`.
#[migration(version = 20250103_100000)]
mod backfill_display_names {
    use super::*;
    use crate::schema::users;
    use updown::diesel::prelude::*;

    pub fn up(db: &mut Db) -> Result<()> {
        let rows: Vec<(i64, String)> = users::table
            .filter(users::display_name.is_null())
            .select((users::id, users::email))
            .load(db.conn())?;
        for (id, email) in rows {
            diesel::update(users::table.find(id))
                .set(users::display_name.eq(display_name(&email)))
                .execute(db.conn())?;
        }
        Ok(())
    }

    pub fn down(db: &mut Db) -> Result<()> {
        diesel::update(users::table)
            .set(users::display_name.eq(None::<String>))
            .execute(db.conn())?;
        Ok(())
    }

    /// The local part of an address, first letter of each word capitalised.
    fn display_name(email: &str) -> String {
        let local = email.split('@').next().unwrap_or(email);
        local
            .split(['.', '_', '-'])
            .filter(|w| !w.is_empty())
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}
