//! `/documents`: the mechanism's library. The secretariat writes; everyone reads published
//! documents; each document keeps its versions.

use std::collections::BTreeMap;

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use serde_json::json;

use super::api::{
    Document, DocumentPatch, DocumentQuery, DocumentVersionSummary, DocumentVersions, NewDocument,
};
use super::rules::{self, DocumentAction, DocumentKind, DocumentStatus};
use super::store::{self, DocumentRow, Filter, VersionRow, VersionValues};
use crate::audit::AuditCtx;
use crate::auth::{policy, MaybePrincipal, Principal, Role};
use crate::cooperation::search::{self as text_search, Indexed};
use crate::db::{self, DbConn};
use crate::error::{ApiError, ApiResult};
use crate::events::{Audience, Scope};
use crate::files::api::File;
use crate::files::parents::ParentType;
use crate::http::body::{Body, MaybeBody};
use crate::http::etag;
use crate::http::lang::{i18n_to_json, I18n, Lang, LangParam, LangPref, LangTracker};
use crate::http::pagination::{page_response, Page, PageParams};
use crate::http::validate::Checks;
use crate::lifecycle::{self, Action, Standing, Subject};
use crate::state::AppState;
use crate::time::utc;

/// A document and all its versions.
pub struct Loaded {
    pub doc: DocumentRow,
    pub versions: Vec<VersionRow>,
}

impl Loaded {
    pub fn latest(&self) -> &VersionRow {
        // A document is made with its first version, in one transaction.
        &self.versions[self.versions.len() - 1]
    }

    /// The version a caller reads by default: the secretariat the latest; others the published
    /// one, else the latest superseded (a document withdrawn as out of date).
    pub fn shown(&self, p: Option<&Principal>) -> Option<&VersionRow> {
        if p.is_some_and(|p| p.is(Role::Secretariat)) {
            return Some(self.latest());
        }
        self.versions
            .iter()
            .rev()
            .find(|v| v.status == DocumentStatus::Published)
            .or_else(|| {
                self.versions
                    .iter()
                    .rev()
                    .find(|v| v.status == DocumentStatus::Superseded)
            })
    }
}

impl Subject<DocumentAction> for Loaded {
    fn standing(&self) -> Standing<DocumentStatus> {
        Standing {
            status: self.latest().status,
            revision: self.latest().revision,
        }
    }

    fn scope(&self) -> Scope {
        version_scope(self.latest())
    }
}

fn version_scope(v: &VersionRow) -> Scope {
    match v.status {
        DocumentStatus::Draft => Scope::new(Audience::Secretariat, None),
        _ => Scope::public(None),
    }
}

fn no_document(id: i64) -> ApiError {
    ApiError::not_found(format!("no document {id}"))
}

/// A document the caller may read (404 otherwise: drafts are the secretariat's).
pub fn load(conn: &mut DbConn, id: i64, p: Option<&Principal>) -> ApiResult<Loaded> {
    let doc = store::find_document(conn, id)?.ok_or_else(|| no_document(id))?;
    let versions = store::versions(conn, id)?;
    let l = Loaded { doc, versions };
    if l.versions.is_empty() || l.shown(p).is_none() {
        return Err(no_document(id));
    }
    Ok(l)
}

/// Whether a version may be read: published and superseded ones by everyone, drafts by the
/// secretariat.
fn version_readable(v: &VersionRow, p: Option<&Principal>) -> bool {
    v.status != DocumentStatus::Draft || p.is_some_and(|p| p.is(Role::Secretariat))
}

/// Whether the caller may read a document file's version (`slot` = `<version>:<language>`).
pub fn file_readable(
    conn: &mut DbConn,
    id: i64,
    slot: &str,
    p: Option<&Principal>,
) -> ApiResult<()> {
    let l = load(conn, id, p)?;
    let version = rules::parse_slot(slot).map(|(v, _)| v);
    match l.versions.iter().find(|v| Some(v.version) == version) {
        Some(v) if version_readable(v, p) => Ok(()),
        _ => Err(no_document(id)),
    }
}

fn render(
    l: &Loaded,
    v: &VersionRow,
    files: BTreeMap<String, File>,
    pref: LangPref,
    langs: &mut LangTracker,
) -> Document {
    let lang = Lang::parse_code(&v.language).unwrap_or(Lang::En);
    Document {
        id: l.doc.id,
        kind: l.doc.kind,
        version: v.version,
        latest_version: l.latest().version,
        status: v.status,
        allowed_actions: if v.version == l.latest().version {
            lifecycle::allowed::<DocumentAction>(v.status)
                .into_iter()
                .map(str::to_owned)
                .chain((v.status != DocumentStatus::Draft).then(|| "new-version".to_owned()))
                .collect()
        } else {
            Vec::new()
        },
        language: lang,
        title: langs.pick(pref, &v.title.0, lang),
        summary: langs.pick(pref, &v.summary.0, lang),
        files,
        thematic_areas: v.thematic_areas.0.clone(),
        rounds: v.rounds.0.clone(),
        report: l.doc.report_id,
        revision: v.revision,
        published_at: v.published_at.map(utc),
        created_at: utc(v.created_at),
        updated_at: utc(v.updated_at),
    }
}

/// The files of one version, by language.
fn version_files(conn: &mut DbConn, id: i64, version: i32) -> ApiResult<BTreeMap<String, File>> {
    Ok(
        crate::files::store::attachments_of(conn, ParentType::Document, &[id])?
            .remove(&id)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(a, f)| {
                let (v, l) = rules::parse_slot(&a.slot)?;
                (v == version).then(|| (l.code().to_owned(), crate::files::routes::render(f, true)))
            })
            .collect(),
    )
}

fn respond(
    req: &HttpRequest,
    l: &Loaded,
    v: &VersionRow,
    files: BTreeMap<String, File>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let mut langs = LangTracker::default();
    let body = render(l, v, files, pref, &mut langs);
    etag::versioned_json(
        req,
        etag::Entity("document", l.doc.id),
        v.revision + v.version * 10_000,
        &body,
        Some(langs.header_value(pref)),
    )
}

/// Ids of thematic areas and rounds that exist, without repeats.
fn links(
    conn: &mut DbConn,
    checks: &mut Checks,
    areas: Option<&[String]>,
    rounds: Option<&[i64]>,
) -> ApiResult<(Vec<String>, Vec<i64>)> {
    let mut a_out: Vec<String> = Vec::new();
    for raw in areas.unwrap_or(&[]) {
        let slug = raw.trim().to_ascii_lowercase();
        if !crate::experiences::store::area_exists(conn, &slug)? {
            checks.add(
                "thematic_areas",
                "unknown",
                format!("'{slug}' is not a thematic area"),
            );
        } else if !a_out.contains(&slug) {
            a_out.push(slug);
        }
    }
    let mut r_out: Vec<i64> = Vec::new();
    for r in rounds.unwrap_or(&[]) {
        if crate::rounds::store::find(conn, *r)?.is_none() {
            checks.add("rounds", "unknown", format!("there is no round {r}"));
        } else if !r_out.contains(r) {
            r_out.push(*r);
        }
    }
    if a_out.len() > rules::MAX_LINKS || r_out.len() > rules::MAX_LINKS {
        checks.add(
            "thematic_areas",
            "too_many",
            format!(
                "at most {} areas and {} rounds",
                rules::MAX_LINKS,
                rules::MAX_LINKS
            ),
        );
    }
    Ok((a_out, r_out))
}

/// Checks the files given by language: known language codes, files the secretariat uploaded
/// or may attach. Returns them by language (`None`: remove that language's file).
fn checked_files(
    conn: &mut DbConn,
    checks: &mut Checks,
    p: &Principal,
    given: &BTreeMap<String, Option<i64>>,
) -> ApiResult<BTreeMap<Lang, Option<i64>>> {
    let mut out = BTreeMap::new();
    for (code, file) in given {
        let Some(lang) = Lang::parse_code(code) else {
            checks.add(
                &format!("files.{code}"),
                "language",
                "keys must be en, es, fr or pt",
            );
            continue;
        };
        if let Some(id) = file {
            let usable = crate::files::store::find_file(conn, *id)?
                .is_some_and(|f| policy::attach_file(Some(p), f.uploaded_by, f.country.as_deref()));
            if !usable {
                checks.add(
                    &format!("files.{code}"),
                    "unknown",
                    format!("there is no file {id} you may attach: upload it first"),
                );
            }
        }
        out.insert(lang, *file);
    }
    Ok(out)
}

/// Puts the files of a version in place (one per language) and returns the version's
/// `file_languages`.
fn place_files(
    conn: &mut DbConn,
    p: &Principal,
    id: i64,
    version: i32,
    files: &BTreeMap<Lang, Option<i64>>,
) -> ApiResult<String> {
    for (lang, file) in files {
        let slot = rules::slot(version, *lang);
        crate::files::store::detach_slot(conn, ParentType::Document, id, &slot)?;
        if let Some(f) = file {
            crate::files::store::insert_attachment(
                conn,
                &crate::files::store::NewAttachment {
                    file_id: *f,
                    parent_type: ParentType::Document,
                    parent_id: id,
                    slot: &slot,
                    caption: "",
                    attached_by: Some(p.user_id),
                    created_at: crate::time::now(),
                },
            )?;
        }
    }
    let present = version_files(conn, id, version)?;
    Ok(if present.is_empty() {
        String::new()
    } else {
        format!(
            ",{},",
            present.keys().cloned().collect::<Vec<_>>().join(",")
        )
    })
}

/// The library: published documents (and, for the secretariat with `status=draft`, the
/// drafts being prepared), newest first; filters by kind, thematic area, round, the language
/// of a file, and words of the title or summary in any language.
#[utoipa::path(
    tag = "documents",
    params(DocumentQuery, PageParams, LangParam),
    responses(
        (status = 200, description = "A page of documents", body = Page<Document>),
        (status = 400, description = "Bad filter, limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/documents")]
pub async fn list_documents(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: MaybePrincipal,
    query: web::Query<DocumentQuery>,
    page: web::Query<PageParams>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let mut checks = Checks::new();
    let mut filter = Filter::default();
    match query.kind.as_deref().map(|k| (k, DocumentKind::parse(k))) {
        Some((_, Some(k))) => filter.kind = Some(k),
        Some((k, None)) => checks.add("kind", "invalid", format!("'{k}' is not a document kind")),
        None => {}
    }
    let status = match query
        .status
        .as_deref()
        .map(|s| (s, DocumentStatus::parse(s)))
    {
        None => DocumentStatus::Published,
        Some((_, Some(s))) => s,
        Some((s, None)) => {
            checks.add(
                "status",
                "invalid",
                format!("'{s}' is not a document status"),
            );
            DocumentStatus::Published
        }
    };
    if status == DocumentStatus::Draft
        && !principal
            .0
            .as_ref()
            .is_some_and(|p| p.is(Role::Secretariat))
    {
        checks.add("status", "not-yours", "only the secretariat lists drafts");
    }
    match query.language.as_deref().map(|l| (l, Lang::parse_code(l))) {
        Some((_, Some(l))) => filter.language = Some(l.code().to_owned()),
        Some((l, None)) => checks.add(
            "language",
            "invalid",
            format!("'{l}' is not en, es, fr or pt"),
        ),
        None => {}
    }
    filter.area = query
        .thematic_area
        .as_deref()
        .map(|a| a.trim().to_ascii_lowercase());
    filter.round = query.round;
    let q = query
        .q
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(str::to_owned);
    if q.as_deref().is_some_and(|q| q.chars().count() > 200) {
        checks.add("q", "length", "at most 200 characters");
    }
    let page = page.parse::<i64>(&mut checks.errors);
    checks.finish_query()?;
    let limit = page.limit;
    let rows = db::run(&state.pool, move |conn| {
        if let Some(q) = &q {
            // Superseded versions are out of the index: a search finds the published library.
            filter.ids = Some(text_search::matching(conn, Indexed::Document, q)?);
        }
        let rows = store::list(conn, &filter, status, page.after, limit)?;
        let mut out = Vec::with_capacity(rows.len());
        for (doc, v) in rows {
            let files = version_files(conn, doc.id, v.version)?;
            let versions = store::versions(conn, doc.id)?;
            out.push((Loaded { doc, versions }, v, files));
        }
        Ok(out)
    })
    .await?;
    let mut langs = LangTracker::default();
    let page = Page::from_rows(
        rows,
        limit,
        |(l, _, _)| l.doc.id,
        |(l, v, files)| render(&l, &v, files, pref, &mut langs),
    );
    page_response(&req, &page, Some(langs.header_value(pref)))
}

/// One document: its latest published version (the secretariat: its latest version, draft or
/// not). 404 when it has no version the caller may read.
#[utoipa::path(
    tag = "documents",
    params(("id" = i64, Path, description = "The document's id"), LangParam),
    responses(
        (status = 200, description = "The document", body = Document, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 404, description = "No such document, or not published", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/documents/{id}")]
pub async fn get_document(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: MaybePrincipal,
    id: web::Path<i64>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let p = principal.0.clone();
    let (l, version, files) = db::run(&state.pool, move |conn| {
        let l = load(conn, id, p.as_ref())?;
        let version = l.shown(p.as_ref()).map_or(1, |v| v.version);
        let files = version_files(conn, id, version)?;
        Ok((l, version, files))
    })
    .await?;
    let v = l
        .versions
        .iter()
        .find(|v| v.version == version)
        .ok_or_else(|| no_document(id))?;
    respond(&req, &l, v, files, pref)
}

/// A document's versions, oldest first (drafts for the secretariat only).
#[utoipa::path(
    tag = "documents",
    params(("id" = i64, Path, description = "The document's id"), LangParam),
    responses(
        (status = 200, description = "Its versions", body = DocumentVersions),
        (status = 404, description = "No such document, or not published", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/documents/{id}/versions")]
pub async fn list_document_versions(
    state: web::Data<AppState>,
    principal: MaybePrincipal,
    id: web::Path<i64>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let p = principal.0.clone();
    let l = db::run(&state.pool, move |conn| load(conn, id, p.as_ref())).await?;
    let mut langs = LangTracker::default();
    let data = l
        .versions
        .iter()
        .filter(|v| version_readable(v, principal.0.as_ref()))
        .map(|v| DocumentVersionSummary {
            version: v.version,
            status: v.status,
            title: langs.pick(
                pref,
                &v.title.0,
                Lang::parse_code(&v.language).unwrap_or(Lang::En),
            ),
            published_at: v.published_at.map(utc),
            updated_at: utc(v.updated_at),
            href: format!("/api/v1/documents/{id}/versions/{}", v.version),
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header(("Content-Language", langs.header_value(pref)))
        .json(DocumentVersions { data }))
}

/// One version of a document: published and superseded ones stay readable by everyone.
#[utoipa::path(
    tag = "documents",
    params(
        ("id" = i64, Path, description = "The document's id"),
        ("n" = i32, Path, description = "The version's number"),
        LangParam,
    ),
    responses(
        (status = 200, description = "The version", body = Document, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 404, description = "No such version, or a draft", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/documents/{id}/versions/{n}")]
pub async fn get_document_version(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: MaybePrincipal,
    path: web::Path<(i64, i32)>,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    let (id, n) = path.into_inner();
    let p = principal.0.clone();
    let (l, files) = db::run(&state.pool, move |conn| {
        let l = load(conn, id, p.as_ref())?;
        let files = version_files(conn, id, n)?;
        Ok((l, files))
    })
    .await?;
    let v = l
        .versions
        .iter()
        .find(|v| v.version == n && version_readable(v, principal.0.as_ref()))
        .ok_or_else(|| ApiError::not_found(format!("document {id} has no version {n}")))?;
    respond(&req, &l, v, files, pref)
}

/// What a report renders into the library: its kind, title, summary, areas, round and, per
/// language of its text, a plain-text file of the report with its recommendations.
struct Rendered {
    kind: DocumentKind,
    language: Lang,
    title: I18n,
    summary: I18n,
    areas: Vec<String>,
    round: i64,
    texts: Vec<(Lang, String, String)>,
}

fn render_report(conn: &mut DbConn, report: i64, p: &Principal) -> ApiResult<Rendered> {
    let l = crate::reports::loaded::load(conn, report, Some(p))?;
    policy::read_report(Some(p), &l.facts())?;
    if l.status() != crate::reports::rules::ReportStatus::Published {
        return Err(ApiError::conflict(
            "report-not-published",
            format!(
                "report {report} is {}: only published reports enter the library",
                l.status().as_str()
            ),
            vec![],
        ));
    }
    let r = &l.row;
    let recs = crate::reports::store::recommendations_of(conn, report)?;
    let language = Lang::parse_code(&r.language).unwrap_or(Lang::En);
    // One text per language of the report's title or body; what a language lacks comes from
    // the original.
    let pick = |texts: &I18n, lang: Lang| {
        texts
            .get(&lang)
            .or_else(|| texts.get(&language))
            .or_else(|| texts.values().next())
            .cloned()
            .unwrap_or_default()
    };
    let mut languages: Vec<Lang> = r.title.0.keys().chain(r.body.0.keys()).copied().collect();
    languages.sort();
    languages.dedup();
    let mut texts = Vec::new();
    for lang in languages {
        let title = pick(&r.title.0, lang);
        let mut text = format!("{title}\n\n{}\n", pick(&r.body.0, lang));
        if !recs.is_empty() {
            text.push_str("\n----\n");
            for rec in &recs {
                text.push_str(&format!("\n{}. {}\n", rec.number, pick(&rec.text.0, lang)));
            }
        }
        let stem: String = title
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == ' ')
            .take(80)
            .collect();
        texts.push((lang, format!("{} ({}).txt", stem.trim(), lang.code()), text));
    }
    let summary = r
        .body
        .0
        .iter()
        .map(|(l, b)| (*l, b.chars().take(2000).collect::<String>()))
        .collect();
    let mut areas: Vec<String> = recs
        .iter()
        .filter_map(|r| r.thematic_area.clone())
        .collect();
    areas.sort();
    areas.dedup();
    Ok(Rendered {
        kind: match r.kind {
            crate::reports::rules::ReportKindOut::Country => DocumentKind::CountryReport,
            crate::reports::rules::ReportKindOut::Hemispheric => DocumentKind::HemisphericReport,
        },
        language,
        title: r.title.0.clone(),
        summary,
        areas,
        round: r.round_id,
        texts,
    })
}

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
                let f = crate::files::routes::record_staged(conn, &storage, s, name, &p, None)?;
                files.entry(*l).or_insert(Some(f.id));
            }
        }
        let now = crate::time::now();
        let kind = kind.unwrap_or(DocumentKind::Other);
        let id = store::insert_document(conn, kind, body.report, p.user_id, now)?;
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
    request_body(content = Option<serde_json::Value>, description = "Nothing"),
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
    _body: MaybeBody<serde_json::Value>,
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
