use std::collections::HashSet;

use diesel::prelude::*;
use mecigep::db::schema::{countries, country_names};
use serde_json::Value;

use crate::util::TestApp;

fn codes(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .expect("data array")
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn lists_all_35_member_states_in_one_default_page() {
    let app = TestApp::new().await;
    let res = app.get("/api/v1/countries").send().await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert!(res.header("link").is_none(), "one page: no next link");
    let page = res.json();
    assert_eq!(page["next_cursor"], Value::Null);
    let list = codes(&page);
    assert_eq!(list.len(), 35);
    assert_eq!(list.iter().collect::<HashSet<_>>().len(), 35);
    let mut sorted = list.clone();
    sorted.sort();
    assert_eq!(list, sorted, "code order");
    for c in page["data"].as_array().unwrap() {
        assert_eq!(c["id"], c["code"]);
        assert_eq!(c["alpha2"].as_str().unwrap().len(), 2);
        assert!(c["name"].as_str().is_some_and(|n| !n.is_empty()));
        assert!(c["created_at"].as_str().unwrap().ends_with('Z'));
    }
    let usa = &page["data"].as_array().unwrap()[list.iter().position(|c| c == "USA").unwrap()];
    assert_eq!(usa["alpha2"], "US");
    assert_eq!(usa["name"], "United States");
    assert_eq!(usa["subregion"], "north_america");
}

#[actix_web::test]
async fn pages_chain_through_cursor_and_link_and_stay_stable_under_inserts() {
    let app = TestApp::new().await;
    let first = app.get("/api/v1/countries?limit=10").send().await;
    assert_eq!(first.status, 200);
    let page1 = first.json();
    assert_eq!(codes(&page1).len(), 10);
    let cursor = page1["next_cursor"]
        .as_str()
        .expect("a next cursor")
        .to_owned();
    let link = first.header("link").expect("Link header").to_owned();
    assert_eq!(
        link,
        format!("</api/v1/countries?limit=10&cursor={cursor}>; rel=\"next\"")
    );

    // A row inserted before the cursor must not shift the next page.
    app.with_conn(|conn| {
        let now = mecigep::time::now();
        diesel::insert_into(countries::table)
            .values((
                countries::code.eq("AAA"),
                countries::alpha2.eq("QA"),
                countries::subregion.eq("caribbean"),
                countries::membership.eq("active"),
                countries::created_at.eq(now),
                countries::updated_at.eq(now),
            ))
            .execute(conn)
            .unwrap();
    });

    let mut seen = codes(&page1);
    let mut next = Some(cursor);
    let mut pages = 1;
    while let Some(c) = next {
        let res = app
            .get(&format!("/api/v1/countries?limit=10&cursor={c}"))
            .send()
            .await;
        assert_eq!(res.status, 200);
        let page = res.json();
        seen.extend(codes(&page));
        next = page["next_cursor"].as_str().map(str::to_owned);
        assert_eq!(res.header("link").is_some(), next.is_some());
        pages += 1;
    }
    assert_eq!(pages, 4);
    assert_eq!(seen.len(), 35, "no row repeated or skipped");
    assert!(!seen.contains(&"AAA".to_owned()));
}

#[actix_web::test]
async fn filters_by_subregion_and_membership() {
    let app = TestApp::new().await;
    let res = app
        .get("/api/v1/countries?subregion=southern_cone")
        .send()
        .await;
    assert_eq!(codes(&res.json()), ["ARG", "BRA", "CHL", "PRY", "URY"]);
    let res = app.get("/api/v1/countries?subregion=andean").send().await;
    assert_eq!(codes(&res.json()), ["BOL", "COL", "ECU", "PER", "VEN"]);
    let res = app
        .get("/api/v1/countries?membership=withdrawn")
        .send()
        .await;
    assert_eq!(codes(&res.json()), ["NIC"]);
    let res = app
        .get("/api/v1/countries?subregion=north_america&membership=active")
        .send()
        .await;
    assert_eq!(codes(&res.json()), ["CAN", "MEX", "USA"]);
    let mut total = 0;
    for s in [
        "north_america",
        "central_america",
        "caribbean",
        "andean",
        "southern_cone",
    ] {
        let res = app
            .get(&format!("/api/v1/countries?subregion={s}"))
            .send()
            .await;
        total += codes(&res.json()).len();
    }
    assert_eq!(total, 35, "every member state is in exactly one subregion");
}

#[actix_web::test]
async fn bad_query_lists_every_problem_at_once() {
    let app = TestApp::new().await;
    let res = app
        .get("/api/v1/countries?subregion=mars&membership=x&limit=501&cursor=%40%40")
        .send()
        .await;
    res.assert_problem(400, "invalid-query");
    let mut fields = res.error_fields();
    fields.sort();
    assert_eq!(fields, ["cursor", "limit", "membership", "subregion"]);
    for limit in ["0", "-1", "abc", "1.5"] {
        let res = app
            .get(&format!("/api/v1/countries?limit={limit}"))
            .send()
            .await;
        res.assert_problem(400, "invalid-query");
    }
    // A well-formed cursor of another list is refused too, not misread.
    let res = app.get("/api/v1/countries?cursor=WzEsImEiXQ").send().await;
    res.assert_problem(400, "invalid-query");
}

#[actix_web::test]
async fn gets_a_country_by_alpha3_or_alpha2_in_any_case() {
    let app = TestApp::new().await;
    for code in ["ARG", "arg", "AR", "ar", "Ar"] {
        let res = app.get(&format!("/api/v1/countries/{code}")).send().await;
        assert_eq!(res.status, 200, "{code}");
        let c = res.json();
        assert_eq!(c["code"], "ARG");
        assert_eq!(c["alpha2"], "AR");
        assert_eq!(c["subregion"], "southern_cone");
        assert_eq!(c["membership"], "active");
    }
    for bad in ["XYZ", "A", "ARGE", "Z9", "%C3%A9"] {
        let res = app.get(&format!("/api/v1/countries/{bad}")).send().await;
        res.assert_problem(404, "not-found");
    }
}

#[actix_web::test]
async fn names_follow_accept_language_and_lang() {
    let app = TestApp::new().await;
    let res = app
        .get("/api/v1/countries/USA")
        .header("accept-language", "fr-CA, es;q=0.8")
        .send()
        .await;
    assert_eq!(res.json()["name"], "États-Unis");
    assert_eq!(res.header("content-language"), Some("fr"));
    assert!(res.header("vary").unwrap().contains("Accept-Language"));

    let res = app
        .get("/api/v1/countries/USA?lang=pt")
        .header("accept-language", "fr")
        .send()
        .await;
    assert_eq!(res.json()["name"], "Estados Unidos");
    assert_eq!(res.header("content-language"), Some("pt"));

    let res = app
        .get("/api/v1/countries/USA")
        .header("accept-language", "de, ja")
        .send()
        .await;
    assert_eq!(
        res.json()["name"],
        "United States",
        "unsupported languages fall back to en"
    );
    assert_eq!(res.header("content-language"), Some("en"));

    let res = app.get("/api/v1/countries/MEX?lang=all").send().await;
    let name = &res.json()["name"];
    assert_eq!(name["en"], "Mexico");
    assert_eq!(name["es"], "México");
    assert_eq!(name["fr"], "Mexique");
    assert_eq!(name["pt"], "México");
    assert_eq!(res.header("content-language"), Some("en, es, fr, pt"));

    let res = app
        .get("/api/v1/countries?lang=es&subregion=north_america")
        .send()
        .await;
    let names: Vec<_> = res.json()["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["Canadá", "México", "Estados Unidos"]);
    assert_eq!(res.header("content-language"), Some("es"));

    let res = app.get("/api/v1/countries/USA?lang=de").send().await;
    res.assert_problem(400, "invalid-query");
    assert_eq!(res.error_fields(), ["lang"]);
}

#[actix_web::test]
async fn missing_translation_falls_back_to_the_original_language() {
    let app = TestApp::new().await;
    app.with_conn(|conn| {
        diesel::delete(
            country_names::table
                .filter(country_names::country_code.eq("PER"))
                .filter(country_names::lang.eq("fr")),
        )
        .execute(conn)
        .unwrap();
    });
    let res = app.get("/api/v1/countries/PER?lang=fr").send().await;
    assert_eq!(res.json()["name"], "Peru");
    assert_eq!(res.header("content-language"), Some("en"));
    let res = app.get("/api/v1/countries/PER?lang=all").send().await;
    let name = res.json()["name"].clone();
    assert!(name.get("fr").is_none());
    assert_eq!(name["es"], "Perú");
}

#[actix_web::test]
async fn single_country_has_a_strong_etag_and_honours_if_none_match() {
    let app = TestApp::new().await;
    let res = app.get("/api/v1/countries/BRA").send().await;
    let etag = res.header("etag").expect("ETag").to_owned();
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "strong ETag: {etag}"
    );

    let res = app
        .get("/api/v1/countries/BRA")
        .header("if-none-match", &etag)
        .send()
        .await;
    assert_eq!(res.status, 304);
    assert!(res.body.is_empty());
    assert_eq!(res.header("etag"), Some(etag.as_str()));

    let res = app
        .get("/api/v1/countries/BRA")
        .header("if-none-match", &format!("\"other\", W/{etag}"))
        .send()
        .await;
    assert_eq!(res.status, 304, "weak comparison, list of tags");

    let res = app
        .get("/api/v1/countries/BRA")
        .header("if-none-match", "\"stale\"")
        .send()
        .await;
    assert_eq!(res.status, 200);

    let es = app.get("/api/v1/countries/BRA?lang=es").send().await;
    assert_ne!(
        es.header("etag"),
        Some(etag.as_str()),
        "each language its own tag"
    );
    let again = app
        .get("/api/v1/countries/BRA?lang=es")
        .header("if-none-match", &etag)
        .send()
        .await;
    assert_eq!(again.status, 200);
}

#[actix_web::test]
async fn the_secretariat_corrects_a_member_state() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let res = app.get("/api/v1/countries/VEN").send().await;
    let etag = res.header("etag").unwrap().to_owned();
    let res = app
        .patch("/api/v1/countries/ve?lang=fr")
        .auth(&admin)
        .header("if-match", &etag)
        .header("x-action-notes", "per Permanent Council note")
        .json(&serde_json::json!({"membership": "withdrawn", "name": "République bolivarienne du Venezuela"}))
        .send()
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(res.json()["membership"], "withdrawn");
    let fr = app.get("/api/v1/countries/VEN?lang=fr").send().await.json();
    assert_eq!(fr["name"], "République bolivarienne du Venezuela");
    assert_eq!(
        app.get("/api/v1/countries/VEN").send().await.json()["name"],
        "Venezuela"
    );
    let rows = app.audit_rows("country.update");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].3.as_deref(), Some("per Permanent Council note"));
    let res = app
        .patch("/api/v1/countries/VEN")
        .auth(&admin)
        .header("if-match", &etag)
        .json(&serde_json::json!({"membership": "active"}))
        .send()
        .await;
    res.assert_problem(412, "precondition-failed");
    let bad = app
        .patch("/api/v1/countries/VEN")
        .auth(&admin)
        .json(&serde_json::json!({"membership": "expelled"}))
        .send()
        .await;
    bad.assert_problem(422, "validation");
    app.patch("/api/v1/countries/XYZ")
        .auth(&admin)
        .json(&serde_json::json!({}))
        .send()
        .await
        .assert_problem(404, "not-found");
    let member = app.member("VEN");
    app.patch("/api/v1/countries/VEN")
        .auth(&member)
        .json(&serde_json::json!({}))
        .send()
        .await
        .assert_problem(403, "forbidden");
    app.patch("/api/v1/countries/VEN")
        .json(&serde_json::json!({}))
        .send()
        .await
        .assert_problem(401, "authentication-required");
    // The reference data loader never undoes the correction.
    app.with_conn(|conn| mecigep::seed::reference_data(conn).unwrap());
    assert_eq!(
        app.get("/api/v1/countries/VEN").send().await.json()["membership"],
        "withdrawn"
    );
}

/// The reference lists are kept per process under the Guide's generation: a change written by
/// another instance (here, straight to the database) shows once the recheck interval is over;
/// a change through this server shows at once.
#[actix_web::test]
async fn kept_reference_lists_follow_changes_from_anywhere() {
    let app = TestApp::new().await;
    let admin = app.secretariat();
    let name_of = |page: &Value, code: &str| {
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == code)
            .map(|c| c["name"].clone())
            .unwrap()
    };
    let page = app.get("/api/v1/countries?limit=100").send().await.json();
    assert_eq!(name_of(&page, "URY"), "Uruguay");
    app.with_conn(|conn| {
        diesel::update(
            country_names::table
                .filter(country_names::country_code.eq("URY"))
                .filter(country_names::lang.eq("en")),
        )
        .set(country_names::name.eq("Oriental Republic of Uruguay"))
        .execute(conn)
        .unwrap();
    });
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    let page = app.get("/api/v1/countries?limit=100").send().await.json();
    assert_eq!(name_of(&page, "URY"), "Oriental Republic of Uruguay");

    // Rounds: a new one through this server is listed on the next request.
    let before = app.get("/api/v1/rounds").send().await.json();
    let count = before["data"].as_array().unwrap().len();
    app.create_round(&admin, 7).await;
    let after = app.get("/api/v1/rounds").send().await.json();
    assert_eq!(after["data"].as_array().unwrap().len(), count + 1);
    assert_eq!(after["data"][count]["number"], 7);
}
