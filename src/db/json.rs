//! JSON documents kept in text columns, read into their types. One that does not parse is a
//! read error (logged with its cause, answered as a 500 with the request id), never an empty
//! value: a row with `title: Json<I18n>` never reads back as a round without a title.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::sql_types::Text;
use serde::de::DeserializeOwned;

/// A JSON text column read as `T`. Rows are written with the document serialised as text.
#[derive(Debug, Clone, PartialEq, diesel::deserialize::FromSqlRow)]
pub struct Json<T>(pub T);

impl<T, DB> FromSql<Text, DB> for Json<T>
where
    DB: Backend,
    String: FromSql<Text, DB>,
    T: DeserializeOwned,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let text = <String as FromSql<Text, DB>>::from_sql(bytes)?;
        serde_json::from_str(&text)
            .map(Json)
            .map_err(|e| format!("a stored JSON document does not parse: {e}").into())
    }
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}
