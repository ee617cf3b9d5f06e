//! Data loaded at start: the reference data every installation needs.

use crate::db::{DbConn, DbPool};
use crate::{countries, thematic_areas};
use diesel::Connection;

/// Loads the member states and thematic areas that are missing, in one transaction.
/// Safe to run at every start: it adds what is missing and never overwrites edits.
pub fn reference_data(conn: &mut DbConn) -> diesel::QueryResult<usize> {
    conn.transaction(|conn| {
        Ok(countries::store::seed_reference(conn)? + thematic_areas::store::seed_reference(conn)?)
    })
}

/// Migrations then reference data: what every start and every test database needs.
pub fn prepare(pool: &DbPool) -> Result<(), String> {
    crate::db::migrate::run(pool)?;
    let mut conn = pool
        .get()
        .map_err(|e| format!("no database connection for the reference data: {e}"))?;
    reference_data(&mut conn).map_err(|e| format!("loading the reference data failed: {e}"))?;
    Ok(())
}
