//! `/documents` writes (the secretariat): a new document, changes to its draft, publication,
//! supersession, new versions.

use super::shown::{load, respond, version_files};
use super::writing::{checked_files, links, place_files, render_report};
use std::collections::BTreeMap;

use actix_web::{patch, post, web, HttpRequest, HttpResponse};
use serde_json::json;

use super::api::{Document, DocumentPatch, NewDocument};
use super::rules::{self, DocumentAction, DocumentKind, DocumentStatus};
use super::store::{self, VersionValues};
use crate::audit::AuditCtx;
use crate::auth::{policy, Principal};
use crate::cooperation::search::{self as text_search, Indexed};
use crate::db::{self};
use crate::error::{ApiError, ApiResult};
use crate::events::{Audience, Scope};
use crate::http::body::Body;
use crate::http::etag;
use crate::http::lang::{i18n_to_json, I18n, Lang, LangPref};
use crate::http::validate::Checks;
use crate::lifecycle::{self, Action, Subject};
use crate::state::AppState;

/// Add a document to the library (the secretariat): version 1, a draft. With `report`, a
/// published report rendered into the library (its text as a file per language).
#[utoipa::path(
    tag = "documents",
    security(("bearer" = [])),
    request_body = NewDocument,
    responses(
        (status = 201, description = "Created", body = Document, headers(("Location" = String), ("ETag" = String))),
        (status = 401, description = "No token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the secretariat", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such report", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The report is not published, or is in the library already", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every problem with the input", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/documents")]
pub async fn create_document(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: Body<NewDocument>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let audit = AuditCtx::new(&req, Some(&principal))?;
    policy::manage_library(Some(&principal))?;
    let body = body.into_inner()?;
    let rendered = match body.report {
        Some(report) => {
            let p = principal.clone();
            let r = db::run(&state.pool, move |conn| {
                if let Some(existing) = store::by_report(conn, report)? {
                    let mut ext = serde_json::Map::new();
                    ext.insert(
                        "location".into(),
                        json!(format!("/api/v1/documents/{existing}")),
                    );
                    return Err(ApiError::Conflict {
                        slug: "already-in-library",
                        detail: format!("report {report} is document {existing} already"),
                        extensions: ext,
                    });
                }
                render_report(conn, report, &p)
            })
            .await?;
            let mut staged = Vec::new();
            for (lang, name, text) in &r.texts {
                let s = crate::files::routes::stage_bytes(
                    &state,
                    text.as_bytes(),
                    crate::files::sniff::Kind::Txt,
                )
                .await?;
                staged.push((*lang, name.clone(), s));
            }
            Some((r, staged))
        }
        None => None,
    };
    let p = principal.clone();
    let rendered = std::sync::Arc::new(rendered);
    let storage = state.settings.files.storage.clone();
    let (l, files) = db::run_tx(&state.pool, move |conn| {
        let mut checks = Checks::new();
        let from_report = rendered.as_ref().as_ref().map(|(r, _)| r);
        let lang = body
            .language
            .or(from_report.map(|r| r.language))
            .unwrap_or(Lang::En);
        let kind = body.kind.or(from_report.map(|r| r.kind));
        if kind.is_none() {
            checks.add("kind", "required", "say what kind of document it is");
        }
        let title = match (&body.title, from_report) {
            (Some(t), _) => t.to_i18n(&mut checks, "title", lang, true, rules::MAX_TITLE),
            (None, Some(r)) => r.title.clone(),
            (None, None) => {
                checks.add("title", "required", "a document needs a title");
                I18n::new()
            }
        };
        let summary = match (&body.summary, from_report) {
            (Some(s), _) => s.to_i18n(&mut checks, "summary", lang, false, rules::MAX_SUMMARY),
            (None, Some(r)) => r.summary.clone(),
            (None, None) => I18n::new(),
        };
        let default_areas = from_report.map(|r| r.areas.clone());
        let default_rounds = from_report.map(|r| vec![r.round]);
        let (areas, rounds) = links(
            conn,
            &mut checks,
            body.thematic_areas.as_deref().or(default_areas.as_deref()),
            body.rounds.as_deref().or(default_rounds.as_deref()),
        )?;
        let given: BTreeMap<String, Option<i64>> = body
            .files
            .iter()
            .flatten()
            .map(|(k, v)| (k.clone(), Some(*v)))
            .collect();
        let mut files = checked_files(conn, &mut checks, &p, &given)?;
        checks.finish()?;
        if let Some((_, staged)) = rendered.as_ref() {
            for (l, name, s) in staged {
                let f =
                    crate::files::routes::record_staged(conn, &storage, s, name, Some(&p), None)?;
                files.entry(*l).or_insert(Some(f.id));
            }
        }
        let now = crate::time::now();
        let kind = kind.unwrap_or(DocumentKind::Other);
        let id = store::insert_document(conn, kind, body.report, Some(p.user_id), now)?;
        let mut values = VersionValues {
            status: DocumentStatus::Draft,
            language: lang.code().into(),
            title: i18n_to_json(&title),
            summary: i18n_to_json(&summary),
            thematic_areas: json!(areas).to_string(),
            rounds: json!(rounds).to_string(),
            file_languages: String::new(),
            revision: 1,
            updated_at: now,
        };
        store::insert_version(conn, id, 1, &values)?;
        values.file_languages = place_files(conn, &p, id, 1, &files)?;
        store::update_version(conn, id, 1, &values)?;
        audit.record(
            conn,
            "document.create",
            "document",
            id,
            json!({"kind": kind, "report": body.report, "files": files}),
        )?;
        let l = load(conn, id, Some(&p))?;
        crate::events::emit(
            conn,
            &audit,
            crate::events::Event {
                event_type: "document.created",
                entity_type: "document",
                entity_id: id.to_string(),
                scope: l.scope(),
                payload: json!({"kind": kind, "version": 1}),
            },
        )?;
        let files = version_files(conn, id, 1)?;
        Ok((l, files))
    })
    .await?;
    let id = l.doc.id;
    crate::http::created(
        respond(&req, &l, l.latest(), files, pref)?,
        &format!("/api/v1/documents/{id}"),
    )
}

/// Change a document's draft version (the secretariat). Honours `If-Match`; `?lang=xx` says
/// which language plain strings are in. A published
/// document changes by a new version (`POST …/new-version`).
#[utoipa::path(
    tag = "documents",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The document's id"), crate::http::lang::WriteLangParam),
    request_body = DocumentPatch,
    responses(
        (status = 200, description = "The changed draft", body = Document, headers(("ETag" = String))),
        (status = 403, description = "Not the secretariat", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such document", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The latest version is not a draft", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Every problem with the input", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/documents/{id}")]
pub async fn patch_document(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    body: Body<DocumentPatch>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let audit = AuditCtx::new(&req, Some(&principal))?;
    policy::manage_library(Some(&principal))?;
    let if_match = etag::if_match_values(&req);
    let write_lang = crate::http::lang::write_language(&req)?;
    let id = id.into_inner();
    let patch = body.into_inner()?;
    let p = principal.clone();
    let (l, files) = db::run_tx(&state.pool, move |conn| {
        db::lock_id(conn, "documents", id)?;
        let l = load(conn, id, Some(&p))?;
        let v = l.latest().clone();
        etag::check_revision(
            if_match.as_deref(),
            etag::Entity("document", id),
            v.revision + v.version * 10_000,
        )?;
        if v.status != DocumentStatus::Draft {
            return Err(ApiError::conflict(
                "not-editable",
                format!(
                    "version {} is {}: make a new version to change it",
                    v.version,
                    v.status.as_str()
                ),
                vec![],
            ));
        }
        let original = Lang::parse_code(&v.language).unwrap_or(Lang::En);
        let lang = write_lang.unwrap_or(original);
        let mut checks = Checks::new();
        let title = match &patch.title {
            Some(t) => crate::cooperation::common::merge_text(
                &mut checks,
                "title",
                t,
                &v.title.0,
                lang,
                Some(original),
                rules::MAX_TITLE,
            ),
            None => v.title.0.clone(),
        };
        let summary = match &patch.summary {
            Some(s) => crate::cooperation::common::merge_text(
                &mut checks,
                "summary",
                s,
                &v.summary.0,
                lang,
                None,
                rules::MAX_SUMMARY,
            ),
            None => v.summary.0.clone(),
        };
        let (areas, rounds) = links(
            conn,
            &mut checks,
            Some(
                patch
                    .thematic_areas
                    .as_deref()
                    .unwrap_or(&v.thematic_areas.0),
            ),
            Some(patch.rounds.as_deref().unwrap_or(&v.rounds.0)),
        )?;
        let files = checked_files(
            conn,
            &mut checks,
            &p,
            &patch.files.clone().unwrap_or_default(),
        )?;
        checks.finish()?;
        if let Some(k) = patch.kind {
            store::set_kind(conn, id, k)?;
        }
        let now = crate::time::now();
        let values = VersionValues {
            status: v.status,
            language: v.language.clone(),
            title: i18n_to_json(&title),
            summary: i18n_to_json(&summary),
            thematic_areas: json!(areas).to_string(),
            rounds: json!(rounds).to_string(),
            file_languages: place_files(conn, &p, id, v.version, &files)?,
            revision: v.revision + 1,
            updated_at: now,
        };
        store::update_version(conn, id, v.version, &values)?;
        audit.record(
            conn,
            "document.update",
            "document",
            id,
            json!({"version": v.version, "files": files}),
        )?;
        let l = load(conn, id, Some(&p))?;
        crate::events::emit(
            conn,
            &audit,
            crate::events::Event {
                event_type: "document.updated",
                entity_type: "document",
                entity_id: id.to_string(),
                scope: l.scope(),
                payload: json!({"version": v.version}),
            },
        )?;
        let files = version_files(conn, id, v.version)?;
        Ok((l, files))
    })
    .await?;
    respond(&req, &l, l.latest(), files, pref)
}

async fn act(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: i64,
    action: DocumentAction,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let audit = AuditCtx::new(&req, Some(&principal))?;
    policy::manage_library(Some(&principal))?;
    let if_match = etag::if_match_values(&req);
    let p = principal.clone();
    let (l, files) = db::run_tx(&state.pool, move |conn| {
        let a = Action {
            table: "documents",
            entity: "document",
            id,
            action,
            if_match: None,
            audit: &audit,
        };
        let l = lifecycle::act(
            conn,
            a,
            |conn| load(conn, id, Some(&p)),
            |l| {
                let v = l.latest();
                etag::check_revision(
                    if_match.as_deref(),
                    etag::Entity("document", id),
                    v.revision + v.version * 10_000,
                )
            },
            |conn, l, next| {
                let v = l.latest();
                let now = crate::time::now();
                let mut extra = serde_json::Map::new();
                extra.insert("version".into(), json!(v.version));
                match action {
                    DocumentAction::Publish => {
                        for old in l
                            .versions
                            .iter()
                            .filter(|o| o.status == DocumentStatus::Published)
                        {
                            store::set_status(
                                conn,
                                id,
                                old.version,
                                DocumentStatus::Superseded,
                                old.published_at,
                                now,
                            )?;
                            extra.insert("superseded".into(), json!(old.version));
                        }
                        store::set_status(conn, id, v.version, next, Some(now), now)?;
                        text_search::index(conn, Indexed::Document, id, &v.title.0, &v.summary.0)?;
                    }
                    DocumentAction::Supersede => {
                        store::set_status(conn, id, v.version, next, v.published_at, now)?;
                        text_search::unindex(conn, Indexed::Document, id)?;
                    }
                }
                Ok(extra)
            },
        )?;
        let version = l.latest().version;
        let files = version_files(conn, id, version)?;
        Ok((l, files))
    })
    .await?;
    respond(&req, &l, l.latest(), files, pref)
}

/// Publish the draft version (the secretariat): everyone reads it; the version published
/// before is `superseded` and stays readable at its number.
#[utoipa::path(
    tag = "documents",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The document's id")),
    responses(
        (status = 200, description = "Published", body = Document),
        (status = 403, description = "Not the secretariat", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such document", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The latest version is not a draft (`allowed` lists what is possible)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/documents/{id}/publish")]
pub async fn publish_document(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    act(
        req,
        state,
        principal,
        id.into_inner(),
        DocumentAction::Publish,
        pref,
    )
    .await
}

/// Mark the published version out of date with no successor (the secretariat): it stays
/// readable, marked `superseded`, and leaves the library's search.
#[utoipa::path(
    tag = "documents",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The document's id")),
    responses(
        (status = 200, description = "Superseded", body = Document),
        (status = 403, description = "Not the secretariat", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such document", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The latest version is not published", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/documents/{id}/supersede")]
pub async fn supersede_document(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    act(
        req,
        state,
        principal,
        id.into_inner(),
        DocumentAction::Supersede,
        pref,
    )
    .await
}

/// Start a new version (the secretariat): a draft copying the latest version's texts, links
/// and files, to change and publish; readers keep the published one meanwhile.
#[utoipa::path(
    tag = "documents",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The document's id")),
    responses(
        (status = 201, description = "The new draft version", body = Document, headers(("Location" = String))),
        (status = 403, description = "Not the secretariat", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such document", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The latest version is still a draft", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/documents/{id}/new-version")]
pub async fn new_document_version(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<i64>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let audit = AuditCtx::new(&req, Some(&principal))?;
    policy::manage_library(Some(&principal))?;
    let id = id.into_inner();
    let p = principal.clone();
    let (l, files) = db::run_tx(&state.pool, move |conn| {
        db::lock_id(conn, "documents", id)?;
        let l = load(conn, id, Some(&p))?;
        let v = l.latest().clone();
        if v.status == DocumentStatus::Draft {
            return Err(ApiError::conflict(
                "draft-pending",
                format!(
                    "version {} is still a draft: change it, or publish it first",
                    v.version
                ),
                vec![],
            ));
        }
        let next = v.version + 1;
        let now = crate::time::now();
        let mut values = VersionValues {
            status: DocumentStatus::Draft,
            language: v.language.clone(),
            title: i18n_to_json(&v.title.0),
            summary: i18n_to_json(&v.summary.0),
            thematic_areas: json!(v.thematic_areas.0).to_string(),
            rounds: json!(v.rounds.0).to_string(),
            file_languages: String::new(),
            revision: 1,
            updated_at: now,
        };
        store::insert_version(conn, id, next, &values)?;
        let copied: BTreeMap<Lang, Option<i64>> = version_files(conn, id, v.version)?
            .into_iter()
            .filter_map(|(code, f)| Some((Lang::parse_code(&code)?, Some(f.id))))
            .collect();
        values.file_languages = place_files(conn, &p, id, next, &copied)?;
        store::update_version(conn, id, next, &values)?;
        audit.record(
            conn,
            "document.new_version",
            "document",
            id,
            json!({"version": next}),
        )?;
        let l = load(conn, id, Some(&p))?;
        crate::events::emit(
            conn,
            &audit,
            crate::events::Event {
                event_type: "document.new_version",
                entity_type: "document",
                entity_id: id.to_string(),
                scope: Scope::new(Audience::Secretariat, None),
                payload: json!({"version": next}),
            },
        )?;
        let files = version_files(conn, id, next)?;
        Ok((l, files))
    })
    .await?;
    let location = format!("/api/v1/documents/{id}/versions/{}", l.latest().version);
    crate::http::created(respond(&req, &l, l.latest(), files, pref)?, &location)
}
