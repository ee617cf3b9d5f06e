//! Enums stored as text. A status, kind or role column holds the enum's wire name; rows read
//! it into the enum, so no code compares a stored status as a string, and a value the enum
//! does not know (which the schema's `CHECK` refuses) is a read error, never a silent default.
//!
//! The enum derives `diesel::expression::AsExpression` and `diesel::deserialize::FromSqlRow` with
//! `#[diesel(sql_type = diesel::sql_types::Text)]`, has `fn as_str(self) -> &'static str` and
//! `fn parse(&str) -> Option<Self>`, and `text_enum!(Type)` implements the conversions for
//! PostgreSQL, SQLite and the connection enum of both.

#[macro_export]
macro_rules! text_enum {
    ($ty:ty) => {
        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg> for $ty {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg>>::to_sql(
                    self.as_str(),
                    &mut out.reborrow(),
                )
            }
        }

        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::sqlite::Sqlite> for $ty {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::sqlite::Sqlite>,
            ) -> diesel::serialize::Result {
                out.set_value(self.as_str());
                Ok(diesel::serialize::IsNull::No)
            }
        }

        impl diesel::serialize::ToSql<diesel::sql_types::Text, $crate::db::MultiBackend> for $ty {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, $crate::db::MultiBackend>,
            ) -> diesel::serialize::Result {
                out.set_value((diesel::sql_types::Text, self));
                Ok(diesel::serialize::IsNull::No)
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $ty
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let s = <String as diesel::deserialize::FromSql<diesel::sql_types::Text, DB>>::from_sql(bytes)?;
                <$ty>::parse(&s).ok_or_else(|| {
                    format!("the stored value {s:?} is no {}", stringify!($ty)).into()
                })
            }
        }
    };
}
