//! Suggestions (offers and Guide experiences of other countries for a need; open needs an offer
//! could serve) and the cooperation map.

use std::collections::{BTreeMap, HashMap};

use actix_web::{get, web, HttpRequest, HttpResponse};

use super::api::{
    CooperationMap, MapCell, MapTotals, Ratings, Reasons, Suggestion, SuggestionKind,
    SuggestionQuery, Suggestions,
};
use super::model::{NeedRow, OfferRow};
use super::rules::{self, Fit};
use super::search::{self, Indexed};
use super::store;
use crate::auth::{MaybePrincipal, Principal, Role};
use crate::db::{self, DbConn};
use crate::error::ApiResult;
use crate::experiences::rules::Document;
use crate::http::lang::{I18n, Lang, LangParam, LangPref, LangTracker};
use crate::http::validate::Checks;
use crate::state::AppState;

/// Every text of a translatable field, joined.
fn all_text(texts: &[&I18n]) -> String {
    texts
        .iter()
        .flat_map(|t| t.values().cloned())
        .collect::<Vec<_>>()
        .join("\n")
}

fn words_of(texts: &[&I18n]) -> Vec<String> {
    let mut words = rules::significant_words(&all_text(texts));
    words.truncate(rules::MAX_SIMILARITY_WORDS);
    words
}

fn common_languages(a: &[Lang], b: &[Lang]) -> Vec<Lang> {
    a.iter().filter(|l| b.contains(l)).copied().collect()
}

/// One candidate before ranking.
struct Candidate {
    kind: SuggestionKind,
    id: i64,
    country: Option<String>,
    partner: Option<i64>,
    area: String,
    title: I18n,
    original: Lang,
    fit: Fit,
    matched: Vec<String>,
}

fn rank(
    mut all: Vec<Candidate>,
    limit: usize,
    pref: LangPref,
    langs: &mut LangTracker,
) -> Suggestions {
    let mut scored: Vec<(f64, Candidate)> =
        all.drain(..).map(|c| (rules::score(&c.fit), c)).collect();
    scored.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then_with(|| a.1.kind.as_str().cmp(b.1.kind.as_str()))
            .then_with(|| a.1.id.cmp(&b.1.id))
    });
    scored.truncate(limit);
    Suggestions {
        data: scored
            .into_iter()
            .map(|(score, c)| Suggestion {
                href: format!(
                    "/api/v1/{}/{}",
                    match c.kind {
                        SuggestionKind::Offer => "offers",
                        SuggestionKind::Experience => "experiences",
                        SuggestionKind::Need => "needs",
                    },
                    c.id
                ),
                kind: c.kind,
                id: c.id,
                country: c.country,
                partner: c.partner,
                thematic_area: c.area,
                title: langs.pick(pref, &c.title, c.original),
                score,
                reasons: Reasons {
                    same_area: c.fit.same_area,
                    matched_words: c.matched,
                    common_languages: c.fit.common_languages,
                    implemented_recommendations: c.fit.implemented,
                    modality_suits: c.fit.modality_suits,
                },
            })
            .collect(),
    }
}

fn limit_of(q: &SuggestionQuery) -> ApiResult<usize> {
    let mut checks = Checks::new();
    let limit = match q.limit.as_deref() {
        None => 10,
        Some(raw) => match raw.trim().parse::<usize>() {
            Ok(n) if (1..=50).contains(&n) => n,
            _ => {
                checks.add("limit", "range", "must be an integer from 1 to 50");
                10
            }
        },
    };
    checks.finish_query()?;
    Ok(limit)
}

/// The latest published document of each experience.
fn published_documents(conn: &mut DbConn, ids: &[i64]) -> ApiResult<HashMap<i64, Document>> {
    let mut latest: HashMap<i64, (i32, String)> = HashMap::new();
    for (id, version, doc) in super::links::published_versions(conn, ids)? {
        let keep = latest.get(&id).is_none_or(|(v, _)| *v < version);
        if keep {
            latest.insert(id, (version, doc));
        }
    }
    latest
        .into_iter()
        .map(|(id, (_, doc))| {
            Ok((
                id,
                db::stored_json::<Document>(format!("experience {id}"), &doc)?,
            ))
        })
        .collect()
}

fn for_need(conn: &mut DbConn, need: &NeedRow) -> ApiResult<Vec<Candidate>> {
    let words = words_of(&[&need.title, &need.description]);
    let today = crate::time::today();
    let mut offer_ranks: HashMap<i64, f64> = search::similar(conn, Indexed::Offer, &words)?
        .into_iter()
        .collect();
    rules::relative(&mut offer_ranks);
    let ids: Vec<i64> = offer_ranks.keys().copied().collect();
    let offers: Vec<OfferRow> =
        store::open_offers_for(conn, &need.country, &need.thematic_area, &ids)?
            .into_iter()
            .filter(|o| o.available_on(today))
            .collect();
    let mut exp_ranks: HashMap<i64, f64> =
        search::similar_experiences(conn, &need.country, &words)?
            .into_iter()
            .collect();
    rules::relative(&mut exp_ranks);
    let mut exp_ids: Vec<i64> =
        search::published_in_area(conn, &need.country, &need.thematic_area)?;
    exp_ids.extend(
        exp_ranks
            .keys()
            .copied()
            .filter(|id| !exp_ids.contains(id))
            .collect::<Vec<_>>(),
    );
    let experiences = crate::experiences::store::find_many(conn, &exp_ids)?;
    let documents = published_documents(conn, &exp_ids)?;
    let mut countries: Vec<String> = offers.iter().filter_map(|o| o.country.clone()).collect();
    countries.extend(experiences.values().map(|e| e.country.clone()));
    let implemented = super::links::implemented_in_area(conn, &need.thematic_area, &countries)?;
    let mut out = Vec::new();
    for o in offers {
        let text = all_text(&[&o.title, &o.description]);
        out.push(Candidate {
            kind: SuggestionKind::Offer,
            id: o.id,
            fit: Fit {
                same_area: o.thematic_area == need.thematic_area,
                text_rank: offer_ranks.get(&o.id).copied().unwrap_or(0.0),
                common_languages: common_languages(&need.languages, &o.languages),
                implemented: o
                    .country
                    .as_ref()
                    .and_then(|c| implemented.get(c))
                    .copied()
                    .unwrap_or(0),
                modality_suits: o.modality.suits(need.modality),
            },
            matched: rules::matched_words(&words, &text),
            original: o.lang(),
            country: o.country,
            partner: o.partner_id,
            area: o.thematic_area,
            title: o.title.0,
        });
    }
    for id in exp_ids {
        let (Some(e), Some(doc)) = (experiences.get(&id), documents.get(&id)) else {
            continue;
        };
        if e.country == need.country {
            continue;
        }
        let text = all_text(&[&doc.title, &doc.introduction, &doc.strategies]);
        out.push(Candidate {
            kind: SuggestionKind::Experience,
            id,
            country: Some(e.country.clone()),
            partner: None,
            area: e.thematic_area.clone(),
            title: doc.title.clone(),
            original: Lang::parse(&e.language).unwrap_or(Lang::En),
            fit: Fit {
                same_area: e.thematic_area == need.thematic_area,
                text_rank: exp_ranks.get(&id).copied().unwrap_or(0.0),
                common_languages: common_languages(&need.languages, &doc.languages()),
                implemented: implemented.get(&e.country).copied().unwrap_or(0),
                modality_suits: false,
            },
            matched: rules::matched_words(&words, &text),
        });
    }
    Ok(out)
}

fn for_offer(
    conn: &mut DbConn,
    offer: &OfferRow,
    p: Option<&Principal>,
) -> ApiResult<Vec<Candidate>> {
    let words = words_of(&[&offer.title, &offer.description]);
    let mut ranks: HashMap<i64, f64> = search::similar(conn, Indexed::Need, &words)?
        .into_iter()
        .collect();
    rules::relative(&mut ranks);
    let ids: Vec<i64> = ranks.keys().copied().collect();
    let confidential = p.is_some_and(|p| p.is(Role::Secretariat)).then_some("*");
    let needs = store::open_needs_for(
        conn,
        offer.country.as_deref(),
        &offer.thematic_area,
        &ids,
        confidential,
    )?;
    Ok(needs
        .into_iter()
        .map(|n| {
            let text = all_text(&[&n.title, &n.description]);
            Candidate {
                kind: SuggestionKind::Need,
                id: n.id,
                fit: Fit {
                    same_area: n.thematic_area == offer.thematic_area,
                    text_rank: ranks.get(&n.id).copied().unwrap_or(0.0),
                    common_languages: common_languages(&n.languages, &offer.languages),
                    implemented: 0,
                    modality_suits: offer.modality.suits(n.modality),
                },
                matched: rules::matched_words(&words, &text),
                original: n.lang(),
                country: Some(n.country),
                partner: None,
                area: n.thematic_area,
                title: n.title.0,
            }
        })
        .collect())
}

/// Offers and published Guide experiences of other countries for a need, best first: the
/// same thematic area first, then closeness of the texts (the full-text engine's), a language
/// in common, a suitable modality, and a country that has implemented recommendations in the
/// area. Each says why. Never the needing country itself; never an offer past its validity.
#[utoipa::path(
    tag = "cooperation",
    params(("id" = i64, Path, description = "The need's id"), SuggestionQuery, LangParam),
    responses(
        (status = 200, description = "Suggestions, best first", body = Suggestions),
        (status = 400, description = "Bad limit", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such need, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/needs/{id}/suggestions")]
pub async fn need_suggestions(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: MaybePrincipal,
    id: web::Path<i64>,
    query: web::Query<SuggestionQuery>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let limit = limit_of(&query)?;
    let id = id.into_inner();
    let candidates = db::run(&state.pool, move |conn| {
        let need = super::needs::load(conn, id, principal.0.as_ref())?;
        for_need(conn, &need.row)
    })
    .await?;
    let mut langs = LangTracker::default();
    let body = rank(candidates, limit, pref, &mut langs);
    respond(&req, &body, &langs, pref)
}

/// Open needs of other countries an offer could serve, best first, ranked as a need's
/// suggestions are (confidential needs only for the secretariat).
#[utoipa::path(
    tag = "cooperation",
    params(("id" = i64, Path, description = "The offer's id"), SuggestionQuery, LangParam),
    responses(
        (status = 200, description = "Suggestions, best first", body = Suggestions),
        (status = 400, description = "Bad limit", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such offer, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/offers/{id}/suggestions")]
pub async fn offer_suggestions(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: MaybePrincipal,
    id: web::Path<i64>,
    query: web::Query<SuggestionQuery>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let limit = limit_of(&query)?;
    let id = id.into_inner();
    let candidates = db::run(&state.pool, move |conn| {
        let p = principal.0.as_ref();
        let offer = super::offers::load(conn, id, p)?;
        for_offer(conn, &offer.row, p)
    })
    .await?;
    let mut langs = LangTracker::default();
    let body = rank(candidates, limit, pref, &mut langs);
    respond(&req, &body, &langs, pref)
}

fn respond<T: serde::Serialize>(
    req: &HttpRequest,
    body: &T,
    langs: &LangTracker,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    crate::http::etag::single_json(req, body, Some(langs.header_value(pref)))
}

/// The cooperation map: by thematic area × subregion, the open needs (not confidential), open
/// offers (`partners` for partner organisations'), and public cooperations in progress and
/// completed, with the ratings in aggregate. Cells with nothing are left out.
#[utoipa::path(
    tag = "cooperation",
    responses(
        (status = 200, description = "The map", body = CooperationMap),
    )
)]
#[get("/cooperation/map")]
pub async fn cooperation_map(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let (counts, ratings) = db::run(&state.pool, move |conn| {
        Ok((
            super::links::map_counts(conn)?,
            super::links::rating_totals(conn)?,
        ))
    })
    .await?;
    let mut cells: BTreeMap<(String, String), MapCell> = BTreeMap::new();
    let mut totals = MapTotals {
        open_needs: 0,
        open_offers: 0,
        in_progress: 0,
        completed: 0,
        ratings: Ratings {
            count: ratings.0,
            average: ratings.1.map(|a| (a * 100.0).round() / 100.0),
        },
    };
    for (area, subregion, what, n) in counts {
        let cell = cells
            .entry((area.clone(), subregion.clone()))
            .or_insert_with(|| MapCell {
                thematic_area: area,
                subregion,
                open_needs: 0,
                open_offers: 0,
                in_progress: 0,
                completed: 0,
            });
        let (slot, total) = match what.as_str() {
            "open_needs" => (&mut cell.open_needs, &mut totals.open_needs),
            "open_offers" => (&mut cell.open_offers, &mut totals.open_offers),
            "in_progress" => (&mut cell.in_progress, &mut totals.in_progress),
            _ => (&mut cell.completed, &mut totals.completed),
        };
        *slot += n;
        *total += n;
    }
    let body = CooperationMap {
        cells: cells.into_values().collect(),
        totals,
    };
    crate::http::etag::single_json(&req, &body, None)
}
