//! `/experiences`: the Guide's entries, their workflow, versions and translations.

use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};
use serde_json::json;

use super::api::{Experience, ExperienceIn, ExperiencePatch, View, ViewQuery};
use super::edit::{apply_patch, document_in, save_working};
use super::model::NewExperienceRow;
use super::rules::{self, ExperienceStatus};
use super::shown::{
    annexes, facts, lang_of, load, parse_version, rendered, respond, status_of, working, Shown,
};
use super::store::{self, Scope};
use crate::audit::AuditCtx;
use crate::auth::policy;
use crate::auth::{MaybePrincipal, Principal, Role};
use crate::db::{self};
use crate::error::{ApiError, ApiResult};
use crate::http::body::Body;
use crate::http::etag;
use crate::http::lang::{write_language, Lang, LangParam, LangPref};
use crate::http::validate::Checks;
use crate::state::AppState;

/// One experience. Its editors (the secretariat, the country's focal points) get the working
/// document by default; everyone else gets the latest published version.
#[utoipa::path(
    tag = "experiences",
    params(("id" = i64, Path, description = "The experience's id"), ViewQuery, LangParam),
    responses(
        (status = 200, description = "The experience", body = Experience, headers(("ETag" = String), ("Content-Language" = String))),
        (status = 304, description = "Not modified"),
        (status = 400, description = "Unknown view", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`view=working` asked by a caller who may not edit the experience", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such experience, or not published and not yours", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/experiences/{id}")]
pub async fn get_experience(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: MaybePrincipal,
    id: web::Path<i64>,
    query: web::Query<ViewQuery>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let mut checks = Checks::new();
    let view = query.view.as_deref().and_then(|v| {
        checks.one_of(
            "view",
            v,
            |s| match s {
                "working" => Some(View::Working),
                "published" => Some(View::Published),
                _ => None,
            },
            "working, published",
        )
    });
    checks.finish_query()?;
    let id = id.into_inner();
    // What the anonymous public reads is the same for all of it: kept rendered under the
    // Guide's generation (`crate::cache`), as the public search pages are.
    let cache = state.guide_cache.clone();
    let key = (cache.enabled() && principal.0.is_none() && view != Some(View::Working))
        .then_some((id, pref));
    if let Some(kept) = key.and_then(|k| cache.experience(&k)) {
        return kept.respond(&req);
    }
    let known = key.and_then(|_| cache.trusted_generation());
    let kept = state.working_docs.clone();
    let (generation, shown) = db::run(&state.pool, move |conn| {
        let generation = match (key, known) {
            (Some(_), Some(g)) => Some(g),
            (Some(_), None) => Some(cache.read_generation(conn)?),
            (None, _) => None,
        };
        let p = principal.0.as_ref();
        // The row and its latest version come in one query: the public's read is one round trip.
        let (row, latest) = store::find_with_latest(conn, id)?
            .ok_or_else(|| ApiError::not_found(format!("no experience {id}")))?;
        policy::read_experience(p, &facts(&row))?;
        let editor = policy::edit_experience(p, &facts(&row)).is_ok();
        let working_view = match view {
            Some(View::Working) => {
                policy::edit_experience(p, &facts(&row))?;
                true
            }
            Some(View::Published) => false,
            None => editor,
        };
        let shown = match latest {
            _ if working_view => working(conn, row, latest, Some(&kept))?,
            Some(v) => Shown {
                attachments: annexes(conn, id)?,
                doc: parse_version(&v)?,
                row,
                view: View::Published,
                version: Some(v),
            },
            None => {
                return Err(ApiError::not_found(format!(
                    "experience {id} has no published version yet"
                )))
            }
        };
        Ok((generation, shown))
    })
    .await?;
    let (body, tag, lang) = rendered(shown, pref)?;
    if let (Some(g), Some(key)) = (generation, key) {
        state.guide_cache.put_experience(g, key, &body, &tag, &lang);
    }
    etag::tagged_json(&req, &tag, Some(&lang), || Ok(body))
}

/// Create an experience (a focal point for its own country, or the secretariat). It starts as
/// a `draft` only its editors see.
#[utoipa::path(
    tag = "experiences",
    security(("bearer" = [])),
    request_body = ExperienceIn,
    responses(
        (status = 201, description = "Created", body = Experience, headers(("Location" = String), ("ETag" = String))),
        (status = 403, description = "Not your country, or your role does not write the Guide", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every problem with the input", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/experiences")]
pub async fn create_experience(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: Body<ExperienceIn>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    // Long: every field of a new experience validated and reported in one 422, then written with
    // its search row and audit record.
    let body = body.into_inner()?;
    let country = match (&body.country, principal.role) {
        (Some(c), _) => c.trim().to_ascii_uppercase(),
        (None, Role::MemberCountry) => principal.country.clone().unwrap_or_default(),
        (None, _) => String::new(),
    };
    policy::create_experience(Some(&principal), &country)?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let shown = db::run_tx(&state.pool, move |conn| {
        let mut checks = Checks::new();
        if country.is_empty() {
            checks.add("country", "required", "name the country (alpha-3 code)");
        } else if !store::country_exists(conn, &country)? {
            checks.add(
                "country",
                "unknown",
                format!("'{country}' is not a member state"),
            );
        }
        let area = body
            .thematic_area
            .as_deref()
            .map(|a| a.trim().to_ascii_lowercase())
            .unwrap_or_default();
        if area.is_empty() {
            checks.add("thematic_area", "required", "name the thematic area (slug)");
        } else if !store::area_exists(conn, &area)? {
            checks.add(
                "thematic_area",
                "unknown",
                format!("'{area}' is not a thematic area"),
            );
        }
        let lang = match body.language.as_deref() {
            None => Lang::En,
            Some(l) => checks.language("language", l).unwrap_or(Lang::En),
        };
        let doc = document_in(&mut checks, &body, lang);
        checks.finish()?;
        let now = crate::time::now();
        let id = store::insert(
            conn,
            &NewExperienceRow {
                country: country.clone(),
                thematic_area: area.clone(),
                language: lang.code().into(),
                status: ExperienceStatus::Draft,
                snapshot_date: doc.snapshot_date,
                created_by: audit.actor_id,
                updated_by: audit.actor_id,
                created_at: now,
                updated_at: now,
            },
        )?;
        store::write_document(conn, id, &doc)?;
        store::reindex(conn, id, Scope::Working, &doc, now)?;
        audit.record(
            conn,
            "experience.create",
            "experience",
            id,
            json!({"country": country, "thematic_area": area, "language": lang}),
        )?;
        let row = load(conn, id)?;
        Ok(Shown {
            row,
            doc,
            view: View::Working,
            version: None,
            attachments: Vec::new(),
        })
    })
    .await?;
    let location = format!("/api/v1/experiences/{}", shown.row.id);
    crate::http::created(respond(&req, shown, pref)?, &location)
}

/// Replace the whole working document (its editors). Needs `If-Match` with the ETag read.
/// Editing a published experience starts a working copy; the public keeps the published
/// version until the next publish. Country, area and language cannot change.
#[utoipa::path(
    tag = "experiences",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The experience's id"), ("If-Match" = String, Header, description = "The ETag read")),
    request_body = ExperienceIn,
    responses(
        (status = 200, description = "Replaced", body = Experience, headers(("ETag" = String))),
        (status = 409, description = "In review or archived", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since read", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every problem with the input", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 428, description = "No If-Match", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/experiences/{id}")]
pub async fn put_experience(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: Body<ExperienceIn>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let if_match = etag::required_if_match(&req)?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let id = id.into_inner();
    let body = body.into_inner()?;
    let shown = db::run_tx(&state.pool, move |conn| {
        db::lock_id(conn, "experiences", id)?;
        let row = load(conn, id)?;
        policy::edit_experience(Some(&principal), &facts(&row))?;
        rules::check_editable(status_of(&row))?;
        etag::check_revision(
            Some(&if_match),
            etag::Entity("experience", row.id),
            row.revision,
        )?;
        let mut checks = Checks::new();
        let lang = lang_of(&row);
        for (field, given, current) in [
            (
                "country",
                body.country.as_deref().map(str::to_ascii_uppercase),
                &row.country,
            ),
            (
                "thematic_area",
                body.thematic_area.as_deref().map(str::to_ascii_lowercase),
                &row.thematic_area,
            ),
            (
                "language",
                body.language.as_deref().map(str::to_ascii_lowercase),
                &row.language,
            ),
        ] {
            if given.is_some_and(|g| g.trim() != current) {
                checks.add(
                    field,
                    "immutable",
                    format!("is '{current}' and cannot change; create another experience"),
                );
            }
        }
        let doc = document_in(&mut checks, &body, lang);
        checks.finish()?;
        save_working(
            conn,
            &audit,
            &row,
            &doc,
            "experience.replace",
            json!({"revision": row.revision + 1}),
        )?;
        let row = load(conn, id)?;
        working(conn, row, None, None)
    })
    .await?;
    respond(&req, shown, pref)
}

/// Change parts of the working document (its editors); honours `If-Match`. With `lang=`,
/// plain-string texts are that language's translation.
#[utoipa::path(
    tag = "experiences",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The experience's id"), ("lang" = Option<Lang>, Query, description = "Language of plain-string texts (a translation)"), ("If-Match" = Option<String>, Header, description = "The ETag read")),
    request_body = ExperiencePatch,
    responses(
        (status = 200, description = "Changed", body = Experience, headers(("ETag" = String))),
        (status = 409, description = "In review or archived", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since read", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every problem with the input", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/experiences/{id}")]
pub async fn patch_experience(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: Body<ExperiencePatch>,
) -> ApiResult<HttpResponse> {
    let write_lang = write_language(&req)?;
    let if_match = etag::if_match_values(&req);
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let id = id.into_inner();
    let body = body.into_inner()?;
    let shown = db::run_tx(&state.pool, move |conn| {
        db::lock_id(conn, "experiences", id)?;
        let row = load(conn, id)?;
        policy::edit_experience(Some(&principal), &facts(&row))?;
        rules::check_editable(status_of(&row))?;
        etag::check_revision(
            if_match.as_deref(),
            etag::Entity("experience", row.id),
            row.revision,
        )?;
        let lang = write_lang.unwrap_or_else(|| lang_of(&row));
        let mut shown = working(conn, row, None, None)?;
        let mut checks = Checks::new();
        apply_patch(&mut checks, &mut shown.doc, &body, lang);
        rules::check_complete(&mut checks, &shown.doc, lang_of(&shown.row));
        checks.finish()?;
        let mut fields = Vec::new();
        for (name, present) in [
            ("snapshot_date", body.snapshot_date.is_some()),
            ("title", body.title.is_some()),
            ("introduction", body.introduction.is_some()),
            ("institutions", body.institutions.is_some()),
            ("strategies", body.strategies.is_some()),
            ("legal_framework", body.legal_framework.is_some()),
            ("tags", body.tags.is_some()),
        ] {
            if present {
                fields.push(name);
            }
        }
        save_working(
            conn,
            &audit,
            &shown.row,
            &shown.doc,
            "experience.update",
            json!({"fields": fields, "lang": write_lang, "revision": shown.row.revision + 1}),
        )?;
        let row = load(conn, id)?;
        working(conn, row, None, None)
    })
    .await?;
    let pref = LangPref::from_request_parts(&req)?;
    respond(&req, shown, pref)
}

/// Delete a draft that was never published (its editors). Published experiences are archived,
/// not deleted.
#[utoipa::path(
    tag = "experiences",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The experience's id"), ("If-Match" = Option<String>, Header, description = "The ETag read")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "Not a never-published draft", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since read", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/experiences/{id}")]
pub async fn delete_experience(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let if_match = etag::if_match_values(&req);
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let id = id.into_inner();
    db::run_tx(&state.pool, move |conn| {
        db::lock_id(conn, "experiences", id)?;
        let row = load(conn, id)?;
        policy::edit_experience(Some(&principal), &facts(&row))?;
        etag::check_revision(
            if_match.as_deref(),
            etag::Entity("experience", row.id),
            row.revision,
        )?;
        if row.version > 0 {
            return Err(ApiError::conflict(
                "not-deletable",
                "the experience has published versions: archive it instead",
                vec![],
            ));
        }
        if status_of(&row) != ExperienceStatus::Draft {
            return Err(ApiError::conflict(
                "not-deletable",
                format!(
                    "only drafts are deleted; this one is {}",
                    row.status.as_str()
                ),
                vec![],
            ));
        }
        store::delete(conn, id)?;
        audit.record(
            conn,
            "experience.delete",
            "experience",
            id,
            json!({"country": row.country, "thematic_area": row.thematic_area}),
        )?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(super::list::list_experiences)
        .service(create_experience)
        .service(get_experience)
        .service(put_experience)
        .service(patch_experience)
        .service(delete_experience)
        .service(super::actions::submit_experience)
        .service(super::actions::return_experience)
        .service(super::actions::publish_experience)
        .service(super::actions::archive_experience)
        .service(super::versions::list_versions)
        .service(super::versions::get_version)
        .service(super::coverage::guide_coverage);
}
