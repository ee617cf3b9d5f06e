//! `/experiences`: the Guide's entries, their workflow, versions and translations.

use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::edit::{apply_patch, document_in, save_working};
use super::model::{ExperienceChanges, ExperienceRow, NewExperienceRow};
use super::rules::{
    self, ExperienceAction, ExperienceStatus, Institution, InstitutionIn, LegalInstrument,
    LegalInstrumentIn,
};
use super::shown::{
    facts, lang_of, load, parse_version, published, rendered, respond, status_of, working, Shown,
};
use super::store::{self, Scope};
use crate::audit::AuditCtx;
use crate::auth::policy;
use crate::auth::{MaybePrincipal, Principal, Role};
use crate::db::{self, DbConn};
use crate::error::{ApiError, ApiResult};
use crate::http::etag;
use crate::http::lang::{
    write_language, Lang, LangParam, LangPref, LangTracker, Localized, TextIn,
};
use crate::http::pagination::{page_response, Page};
use crate::http::validate::Checks;
use crate::lifecycle::{self, Action, Standing, Subject};
use crate::state::AppState;
use crate::time::utc;

/// Which state of the experience a representation shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum View {
    /// The editable document (its editors only).
    Working,
    /// The latest published version (everyone).
    Published,
}

/// A Guide entry: one country's formal framework in one thematic area, as of `snapshot_date`.
/// Sections come in the Guide's order: introduction, institutions, strategies and mechanisms,
/// legal framework.
#[derive(Debug, Serialize, ToSchema)]
pub struct Experience {
    pub id: i64,
    #[schema(example = "CHL")]
    pub country: String,
    #[schema(example = "public-budget")]
    pub thematic_area: String,
    /// Original language: the fallback of every text.
    pub language: Lang,
    pub status: ExperienceStatus,
    /// Which state this is: the working document or the published version.
    pub view: View,
    /// Number of the version shown (published view), or of the latest published version
    /// (working view; 0 when never published).
    pub version: i32,
    /// The date the information describes.
    pub snapshot_date: NaiveDate,
    pub title: Localized,
    pub introduction: Localized,
    pub institutions: Vec<Institution>,
    pub strategies: Localized,
    pub legal_framework: Vec<LegalInstrument>,
    pub tags: Vec<String>,
    /// Languages the texts exist in.
    pub available_languages: Vec<Lang>,
    /// Working view: the document differs from the published version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_unpublished_changes: Option<bool>,
    /// Working view: why the secretariat sent it back, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_reason: Option<String>,
    /// Working view: lifecycle actions the status allows.
    pub allowed_actions: Vec<String>,
    /// Working view: the revision `If-Match` compares.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
}

/// A published version.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionSummary {
    pub version: i32,
    pub snapshot_date: NaiveDate,
    pub title: Localized,
    pub published_at: DateTime<Utc>,
    pub published_by: Option<i64>,
}

/// A whole experience as clients write it (`POST`, and `PUT` which replaces the document).
/// Texts are a string in the experience's language or an object keyed by language.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExperienceIn {
    /// Alpha-3 code. A focal point's own country by default; the secretariat names it.
    /// Cannot change after creation.
    #[schema(example = "CHL")]
    pub country: Option<String>,
    /// Slug of the thematic area. Cannot change after creation.
    #[schema(example = "public-budget")]
    pub thematic_area: Option<String>,
    /// Original language, `en` by default: the fallback of every text. Cannot change after
    /// creation.
    #[schema(example = "es")]
    pub language: Option<String>,
    /// The date the information describes, `YYYY-MM-DD`, not in the future.
    #[schema(example = "2026-06-30")]
    pub snapshot_date: String,
    #[schema(value_type = Object, example = json!({"es": "Presupuesto por resultados", "en": "Performance-based budgeting"}))]
    pub title: TextIn,
    #[schema(value_type = Object)]
    pub introduction: TextIn,
    #[serde(default)]
    pub institutions: Vec<InstitutionIn>,
    #[schema(value_type = Object)]
    pub strategies: TextIn,
    #[serde(default)]
    pub legal_framework: Vec<LegalInstrumentIn>,
    #[serde(default)]
    #[schema(example = json!(["results-based-budgeting"]))]
    pub tags: Vec<String>,
}

/// Changes to an experience; absent fields stay. Plain-string texts are written in the
/// request's `lang` (a translation) or else in the experience's language; an object writes the
/// languages it names. Lists replace the whole list.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExperiencePatch {
    pub snapshot_date: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub title: Option<TextIn>,
    #[schema(value_type = Option<Object>)]
    pub introduction: Option<TextIn>,
    pub institutions: Option<Vec<InstitutionIn>>,
    #[schema(value_type = Option<Object>)]
    pub strategies: Option<TextIn>,
    pub legal_framework: Option<Vec<LegalInstrumentIn>>,
    pub tags: Option<Vec<String>>,
}

/// Why the secretariat sends an experience back.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnIn {
    #[schema(example = "Please cite the budget law's number and year.")]
    pub reason: Option<String>,
}

/// `view=` of a single experience.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ViewQuery {
    /// `working` (default for its editors) or `published` (default for everyone else).
    #[param(value_type = Option<View>)]
    pub view: Option<String>,
}

/// One experience. Its editors (the secretariat, the country's focal points) get the working
/// document by default; everyone else gets the latest published version.
#[utoipa::path(
    tag = "experiences",
    params(("id" = i64, Path, description = "The experience's id"), ViewQuery, LangParam),
    responses(
        (status = 200, description = "The experience", body = Experience, headers(("ETag" = String), ("Content-Language" = String))),
        (status = 304, description = "Not modified"),
        (status = 400, description = "Unknown view", body = crate::error::Problem, content_type = "application/problem+json"),
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
        let show_published = |row: ExperienceRow| match latest {
            Some(v) => Ok(Shown {
                doc: parse_version(&v)?,
                row,
                view: View::Published,
                version: Some(v),
            }),
            None => Err(ApiError::not_found(format!(
                "experience {} has no published version yet",
                row.id
            ))),
        };
        let shown = match view {
            Some(View::Working) => {
                policy::edit_experience(p, &facts(&row))?;
                working(conn, row)
            }
            Some(View::Published) => show_published(row),
            None if editor => working(conn, row),
            None => show_published(row),
        }?;
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
    body: web::Json<ExperienceIn>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
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
    body: web::Json<ExperienceIn>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let if_match = etag::required_if_match(&req)?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let id = id.into_inner();
    let body = body.into_inner();
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
        working(conn, row)
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
    body: web::Json<ExperiencePatch>,
) -> ApiResult<HttpResponse> {
    let write_lang = write_language(&req)?;
    let if_match = etag::if_match_values(&req);
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let id = id.into_inner();
    let body = body.into_inner();
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
        let mut shown = working(conn, row)?;
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
        working(conn, row)
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

impl Subject<ExperienceAction> for ExperienceRow {
    fn standing(&self) -> Standing<ExperienceStatus> {
        Standing {
            status: status_of(self),
            revision: self.revision,
        }
    }
}

async fn workflow(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: i64,
    action: ExperienceAction,
    reason: Option<String>,
) -> ApiResult<HttpResponse> {
    let if_match = etag::if_match_values(&req);
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let pref = LangPref::from_request_parts(&req)?;
    let shown = db::run_tx(&state.pool, move |conn| {
        let act = Action {
            table: "experiences",
            entity: "experience",
            id,
            action,
            if_match: if_match.as_deref(),
            audit: &audit,
        };
        let authorize = |row: &ExperienceRow| match action {
            ExperienceAction::Submit => policy::edit_experience(Some(&principal), &facts(row)),
            _ => policy::publish_experience(Some(&principal), &facts(row)),
        };
        let load = |conn: &mut DbConn| load(conn, id);
        let row = lifecycle::act(conn, act, load, authorize, |conn, row, next| {
            let now = crate::time::now();
            let mut changes = ExperienceChanges {
                status: Some(next),
                revision: Some(row.revision + 1),
                updated_by: Some(audit.actor_id),
                updated_at: Some(now),
                ..ExperienceChanges::default()
            };
            let mut summary = serde_json::Map::new();
            match action {
                ExperienceAction::Submit => {
                    let shown = working(conn, row.clone())?;
                    let mut checks = Checks::new();
                    rules::check_submittable(&mut checks, &shown.doc);
                    checks.finish()?;
                    changes.return_reason = Some(None);
                }
                ExperienceAction::Return => {
                    let mut checks = Checks::new();
                    let reason = checks.text("reason", reason.as_deref().unwrap_or(""), 1, 2000);
                    checks.finish()?;
                    summary.insert("reason".into(), json!(reason));
                    changes.return_reason = Some(Some(reason));
                }
                ExperienceAction::Publish => {
                    let shown = working(conn, row.clone())?;
                    let version = row.version + 1;
                    store::publish(conn, id, version, &shown.doc, audit.actor_id, now)?;
                    changes.version = Some(version);
                    changes.published_at = Some(Some(now));
                    changes.return_reason = Some(None);
                    summary.insert("version".into(), json!(version));
                }
                ExperienceAction::Archive => {}
            }
            store::update(conn, id, &changes)?;
            Ok(summary)
        })?;
        working(conn, row)
    })
    .await?;
    respond(&req, shown, pref)
}

/// Send a draft for review (its editors): it needs at least one institution and one legal
/// instrument.
#[utoipa::path(
    tag = "experiences",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The experience's id")),
    responses(
        (status = 200, description = "In review", body = Experience),
        (status = 409, description = "Not a draft (`allowed` lists what is possible)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Sections missing", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/experiences/{id}/submit")]
pub async fn submit_experience(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    workflow(
        req,
        state,
        principal,
        id.into_inner(),
        ExperienceAction::Submit,
        None,
    )
    .await
}

/// Send an experience in review back to its editors with a reason (secretariat).
#[utoipa::path(
    tag = "experiences",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The experience's id")),
    request_body = ReturnIn,
    responses(
        (status = 200, description = "Back to draft", body = Experience),
        (status = 409, description = "Not in review (`allowed` lists what is possible)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/experiences/{id}/return")]
pub async fn return_experience(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: Option<web::Json<ReturnIn>>,
) -> ApiResult<HttpResponse> {
    let reason = body.and_then(|b| b.into_inner().reason);
    workflow(
        req,
        state,
        principal,
        id.into_inner(),
        ExperienceAction::Return,
        reason,
    )
    .await
}

/// Publish an experience in review (secretariat): its version number moves on and the
/// document is kept as an immutable version the public reads.
#[utoipa::path(
    tag = "experiences",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The experience's id")),
    responses(
        (status = 200, description = "Published", body = Experience),
        (status = 409, description = "Not in review (`allowed` lists what is possible)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/experiences/{id}/publish")]
pub async fn publish_experience(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    workflow(
        req,
        state,
        principal,
        id.into_inner(),
        ExperienceAction::Publish,
        None,
    )
    .await
}

/// Archive a published experience (secretariat): it leaves the Guide's lists and coverage; its
/// versions stay readable.
#[utoipa::path(
    tag = "experiences",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The experience's id")),
    responses(
        (status = 200, description = "Archived", body = Experience),
        (status = 409, description = "Not published (`allowed` lists what is possible)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/experiences/{id}/archive")]
pub async fn archive_experience(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    workflow(
        req,
        state,
        principal,
        id.into_inner(),
        ExperienceAction::Archive,
        None,
    )
    .await
}

/// The published versions of an experience, oldest first.
#[utoipa::path(
    tag = "experiences",
    params(("id" = i64, Path, description = "The experience's id"), LangParam),
    responses(
        (status = 200, description = "Its versions", body = Page<VersionSummary>),
        (status = 404, description = "No such experience, or not published and not yours", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/experiences/{id}/versions")]
pub async fn list_versions(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: MaybePrincipal,
    id: web::Path<i64>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let (row, versions) = db::run(&state.pool, move |conn| {
        let row = load(conn, id)?;
        policy::read_experience(principal.0.as_ref(), &facts(&row))?;
        let versions = store::versions(conn, id)?;
        Ok((row, versions))
    })
    .await?;
    let lang = lang_of(&row);
    let mut langs = LangTracker::default();
    let mut data = Vec::with_capacity(versions.len());
    for v in versions {
        let doc = parse_version(&v)?;
        data.push(VersionSummary {
            version: v.version,
            snapshot_date: v.snapshot_date,
            title: langs.pick(pref, &doc.title, lang),
            published_at: utc(v.published_at),
            published_by: v.published_by,
        });
    }
    let page = Page {
        data,
        next_cursor: None,
    };
    page_response(&req, &page, Some(langs.header_value(pref)))
}

/// One published version of an experience, as it was published.
#[utoipa::path(
    tag = "experiences",
    params(("id" = i64, Path, description = "The experience's id"), ("n" = i32, Path, description = "The version number"), LangParam),
    responses(
        (status = 200, description = "The version", body = Experience, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 404, description = "No such experience or version", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/experiences/{id}/versions/{n}")]
pub async fn get_version(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: MaybePrincipal,
    path: web::Path<(i64, i32)>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let (id, n) = path.into_inner();
    let shown = db::run(&state.pool, move |conn| {
        let row = load(conn, id)?;
        policy::read_experience(principal.0.as_ref(), &facts(&row))?;
        published(conn, row, n)
    })
    .await?;
    respond(&req, shown, pref)
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(super::list::list_experiences)
        .service(create_experience)
        .service(get_experience)
        .service(put_experience)
        .service(patch_experience)
        .service(delete_experience)
        .service(submit_experience)
        .service(return_experience)
        .service(publish_experience)
        .service(archive_experience)
        .service(list_versions)
        .service(get_version)
        .service(super::coverage::guide_coverage);
}
