use std::collections::BTreeSet;
use std::path::Path;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use mecigep::db::{dialect, schema};
use mecigep::state::AppSettings;

use crate::util::{TestApp, TestDb};

fn versions(backend: &str) -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_dir())
        .map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            assert!(e.path().join("up.sql").exists(), "{name}/up.sql");
            assert!(e.path().join("down.sql").exists(), "{name}/down.sql");
            name
        })
        .collect()
}

#[test]
fn both_backends_have_the_same_migration_versions() {
    let pg = versions("postgres");
    let sqlite = versions("sqlite");
    assert!(!pg.is_empty());
    assert_eq!(pg, sqlite);
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[actix_web::test]
async fn down_then_up_round_trips() {
    let app = TestApp::new().await;
    app.with_conn(|conn| {
        let reverted = dialect::revert_all_migrations(conn).unwrap();
        assert_eq!(reverted.len(), versions("sqlite").len());
        assert!(schema::countries::table
            .count()
            .get_result::<i64>(conn)
            .is_err());
        let applied = dialect::run_pending_migrations(conn).unwrap();
        assert_eq!(applied.len(), reverted.len());
        assert_eq!(
            schema::countries::table
                .count()
                .get_result::<i64>(conn)
                .unwrap(),
            0
        );
        mecigep::seed::reference_data(conn).unwrap();
        assert_eq!(
            schema::countries::table
                .count()
                .get_result::<i64>(conn)
                .unwrap(),
            35
        );
    });
}

#[actix_web::test]
async fn reference_data_is_idempotent_and_never_clobbers_edits() {
    let app = TestApp::new().await;
    app.with_conn(|conn| {
        use schema::{countries, country_names, thematic_area_texts, thematic_areas};
        let count = |conn: &mut mecigep::db::DbConn| {
            let n: i64 = diesel::sql_query(
                "SELECT (SELECT COUNT(*) FROM countries) + (SELECT COUNT(*) FROM country_names) \
                 + (SELECT COUNT(*) FROM thematic_areas) + (SELECT COUNT(*) FROM thematic_area_texts) AS n",
            )
            .get_result::<Count>(conn)
            .unwrap()
            .n;
            n
        };
        assert_eq!(count(conn), 35 + 35 * 4 + 12 + 12 * 4);
        assert_eq!(mecigep::seed::reference_data(conn).unwrap(), 0);
        assert_eq!(count(conn), 35 + 35 * 4 + 12 + 12 * 4);

        diesel::update(countries::table.filter(countries::code.eq("VEN")))
            .set(countries::membership.eq("withdrawn"))
            .execute(conn)
            .unwrap();
        diesel::update(
            thematic_area_texts::table
                .filter(thematic_area_texts::area_slug.eq("ict"))
                .filter(thematic_area_texts::lang.eq("en")),
        )
        .set(thematic_area_texts::name.eq("Digital Government"))
        .execute(conn)
        .unwrap();
        diesel::delete(country_names::table.filter(country_names::country_code.eq("CHL")))
            .execute(conn)
            .unwrap();

        assert_eq!(mecigep::seed::reference_data(conn).unwrap(), 4, "restores what is missing");
        let membership: String = countries::table
            .filter(countries::code.eq("VEN"))
            .select(countries::membership)
            .first(conn)
            .unwrap();
        assert_eq!(membership, "withdrawn");
        let name: String = thematic_area_texts::table
            .filter(thematic_area_texts::area_slug.eq("ict"))
            .filter(thematic_area_texts::lang.eq("en"))
            .select(thematic_area_texts::name)
            .first(conn)
            .unwrap();
        assert_eq!(name, "Digital Government");
        assert_eq!(thematic_areas::table.count().get_result::<i64>(conn).unwrap(), 12);
    });
}

#[derive(QueryableByName)]
struct Pragma {
    #[diesel(sql_type = Text)]
    value: String,
}

#[actix_web::test]
async fn sqlite_connections_carry_the_pragmas() {
    // Always SQLite: the pragmas are what this test is about.
    let app = TestApp::on(TestDb::sqlite(), AppSettings::default()).await;
    app.with_conn(|conn| {
        let get = |conn: &mut mecigep::db::DbConn, sql: &str| {
            diesel::sql_query(sql)
                .get_result::<Pragma>(conn)
                .unwrap()
                .value
        };
        assert_eq!(
            get(
                conn,
                "SELECT CAST(foreign_keys AS TEXT) AS value FROM pragma_foreign_keys"
            ),
            "1"
        );
        assert_eq!(
            get(
                conn,
                "SELECT journal_mode AS value FROM pragma_journal_mode"
            ),
            "wal"
        );
        assert_eq!(
            get(
                conn,
                "SELECT CAST(timeout AS TEXT) AS value FROM pragma_busy_timeout"
            ),
            "5000"
        );
        assert_eq!(
            get(
                conn,
                "SELECT CAST(synchronous AS TEXT) AS value FROM pragma_synchronous"
            ),
            "1"
        );
    });
}

#[actix_web::test]
async fn the_schema_refuses_what_the_api_refuses() {
    let app = TestApp::new().await;
    app.with_conn(|conn| {
        use schema::{countries, country_names};
        let now = mecigep::time::now();
        let bad_subregion = diesel::insert_into(countries::table)
            .values((
                countries::code.eq("ZZZ"),
                countries::alpha2.eq("ZZ"),
                countries::subregion.eq("europe"),
                countries::membership.eq("active"),
                countries::created_at.eq(now),
                countries::updated_at.eq(now),
            ))
            .execute(conn);
        assert!(bad_subregion.is_err());
        let lower_code = diesel::insert_into(countries::table)
            .values((
                countries::code.eq("zzz"),
                countries::alpha2.eq("ZZ"),
                countries::subregion.eq("andean"),
                countries::membership.eq("active"),
                countries::created_at.eq(now),
                countries::updated_at.eq(now),
            ))
            .execute(conn);
        assert!(lower_code.is_err());
        let orphan_name = diesel::insert_into(country_names::table)
            .values((
                country_names::country_code.eq("QQQ"),
                country_names::lang.eq("en"),
                country_names::name.eq("Nowhere"),
            ))
            .execute(conn);
        assert!(orphan_name.is_err(), "foreign key enforced");
        let bad_lang = diesel::insert_into(country_names::table)
            .values((
                country_names::country_code.eq("ARG"),
                country_names::lang.eq("de"),
                country_names::name.eq("Argentinien"),
            ))
            .execute(conn);
        assert!(bad_lang.is_err());
    });
}
