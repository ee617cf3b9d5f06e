//! The OpenAPI document: generated from the handlers' annotations, served at
//! `/api/v1/openapi.json` and rendered at `/docs` with assets built into the binary.

use actix_web::{get, web, HttpResponse};
use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{
    ArrayBuilder, KnownFormat, Object, ObjectBuilder, Schema, SchemaFormat, Type,
};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::security::{
    ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Scopes, SecurityScheme,
};
use utoipa::openapi::server::Server;
use utoipa::openapi::{
    ContactBuilder, Content, OpenApi as Document, RefOr, Required, Response, ResponseBuilder,
};
use utoipa::{Modify, OpenApi};

mod json;

use crate::error::{FieldError, Problem, PROBLEM_CONTENT_TYPE};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "MECIGEP API",
        description = "API of the OAS Inter-American Cooperation Mechanism for Effective Public \
            Management (MECIGEP) and of its Guide of Strategies and Mechanisms for Effective Public \
            Management (GEMGPE).\n\nErrors are RFC 9457 `application/problem+json` documents. Lists \
            use keyset pagination (`limit`, `cursor`, `next_cursor`, `Link: rel=\"next\"`). Text \
            people read follows `Accept-Language` or `lang=` (en, es, fr, pt, all).",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    tags(
        (name = "countries", description = "OAS member states"),
        (name = "thematic-areas", description = "The twelve GEMGPE thematic areas"),
        (name = "experiences", description = "The Guide (GEMGPE): experiences, their workflow, versions, translations and search"),
        (name = "guide", description = "The public Guide at a glance: coverage of countries × thematic areas"),
        (name = "rounds", description = "Rounds of exchange: schedule, participants, lifecycle"),
        (name = "questionnaires", description = "Self-Review Questionnaires: versioned documents of typed questions"),
        (name = "responses", description = "Countries' responses: answers, submission, review, progress"),
        (name = "exports", description = "Data for analysts: streamed CSV or NDJSON exports and data dictionaries"),
        (name = "reports", description = "Review: reviewers drawn by lot, country and hemispheric reports, comments, recommendations and follow-up"),
        (name = "meetings", description = "Sessions of the Group of Member Countries and of the Committee of Experts: dates, place or link, agenda items, the decision on each (a report's adoption names its session), attendance by country and minutes; and the mechanism's calendar (`/calendar.ics`, iCalendar)"),
        (name = "civil-society", description = "Civil society's written input on a country's review: the round's window, inputs registered and screened by the secretariat, read by the assigned experts and the reviewed country (which may reply), published with the country report when the round says so"),
        (name = "cooperation", description = "The cooperation cycle: countries' needs, offers of countries and partner organisations, suggestions, cooperations followed to their outcome, and the map"),
        (name = "files", description = "Uploads (typed by their bytes, stored once, up to MECIGEP_FILE_LIMIT), downloads with ranges, and attachments: evidence of answers, annexes of experiences, reports, needs, offers and cooperations, proof of follow-up"),
        (name = "documents", description = "The mechanism's library: Terms of Reference, Methodology, Regulations, studies, reports… a file per language, versions, search"),
        (name = "events", description = "The change feed (`/events`, long-polling with `wait`) and signed webhooks (Standard Webhooks) pushing it to national systems"),
        (name = "auth", description = "Login, tokens, and machine clients of focal points"),
        (name = "users", description = "Accounts (secretariat) and the caller's own (`/me`)"),
        (name = "audit", description = "The append-only audit log (secretariat)"),
        (name = "meta", description = "Health and the API's own description"),
    ),
    components(schemas(
        Problem,
        FieldError,
        crate::exports::encode::Format,
        crate::exports::routes::Shape,
        crate::exports::routes::DictionaryFormat,
        crate::http::lang::LangChoice,
        crate::experiences::search::Sort,
    )),
    modifiers(&SecuritySchemes)
)]
pub struct ApiDoc;

/// Bearer JWTs for every protected path; OAuth2 client credentials for focal points' systems.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, api: &mut Document) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "Access token from `POST /api/v1/auth/login` (people) or \
                         `POST /api/v1/auth/token` (machine clients).",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "client_basic",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Basic)
                    .description(Some(
                        "A machine client's `client_id` and `client_secret` at the token endpoint.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "oauth2",
            SecurityScheme::OAuth2(OAuth2::with_description(
                [Flow::ClientCredentials(ClientCredentials::new(
                    "/api/v1/auth/token",
                    Scopes::new(),
                ))],
                "Client credentials (RFC 6749 §4.4) for a focal point's systems: create a client \
                 at `POST /api/v1/me/clients`, then exchange its id and secret for an access \
                 token that acts with the focal point's role and country.",
            )),
        );
    }
}

/// The generated document, serialised once at start.
pub struct SpecDocument(pub Vec<u8>);

fn problem_response(description: &str) -> RefOr<Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                PROBLEM_CONTENT_TYPE,
                Content::new(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                    "Problem",
                )))),
            )
            .build(),
    )
}

/// What the server does for every operation, written into each: the problem answers it can
/// give, the conditional and idempotency headers it honours, and that public reads take an
/// optional bearer token. Kept here so that no annotation has to repeat it.
pub fn finish(mut api: Document) -> Document {
    api.servers = Some(vec![Server::new("/")]);
    api.info.contact = Some(
        ContactBuilder::new()
            .name(Some(
                "MECIGEP Technical Secretariat, OAS Department for Effective Public Management",
            ))
            .url(Some("https://www.oas.org/en/sap/dgpe/"))
            .build(),
    );
    for (path, item) in api.paths.paths.iter_mut() {
        let ops = [
            (Method::Get, item.get.as_mut()),
            (Method::Post, item.post.as_mut()),
            (Method::Put, item.put.as_mut()),
            (Method::Patch, item.patch.as_mut()),
            (Method::Delete, item.delete.as_mut()),
        ];
        for (method, op) in ops {
            if let Some(op) = op {
                finish_operation(path, method, op);
            }
        }
    }
    if let Some(components) = api.components.as_mut() {
        if let Some(RefOr::T(Schema::Object(problem))) = components.schemas.get_mut("Problem") {
            problem_extensions(problem);
        }
    }
    api
}

/// The document as served and committed: [`finish`]ed, then with what only its JSON form can
/// say (utoipa's types do not read back every schema they write).
pub fn to_json(api: &Document) -> serde_json::Value {
    let mut doc = serde_json::to_value(api).unwrap_or_default();
    json::refuse_control_characters(&mut doc);
    json::add_links(&mut doc);
    doc
}

#[derive(Clone, Copy, PartialEq)]
enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

/// A doc comment of one paragraph gives utoipa a summary only: its first sentence stays the
/// summary and the whole paragraph becomes the description.
fn describe(op: &mut Operation) {
    if op
        .description
        .as_deref()
        .is_some_and(|d| !d.trim().is_empty())
    {
        return;
    }
    let Some(summary) = op.summary.clone() else {
        return;
    };
    let first = summary
        .split_inclusive(". ")
        .next()
        .unwrap_or(&summary)
        .trim_end_matches([' ', '.'])
        .replace('\n', " ");
    op.description = Some(summary);
    op.summary = Some(first);
}

fn finish_operation(path: &str, method: Method, op: &mut Operation) {
    describe(op);
    let has_params = path.contains('{');
    let has_body = op.request_body.is_some();
    let protected = op.security.as_ref().is_some_and(|reqs| {
        reqs.iter().any(|r| {
            serde_json::to_value(r)
                .is_ok_and(|v| v.as_object().is_some_and(|o| o.contains_key("bearer")))
        })
    });
    let is_health = path.starts_with("/health") || path.ends_with("/openapi.json");
    let mut answers: Vec<(&str, &str)> = Vec::new();
    if !is_health {
        answers.push((
            "400",
            "Malformed request: JSON syntax, a bad query or path parameter, a bad header, or a \
             control character in a path or query",
        ));
    }
    if protected {
        answers.push(("401", "No valid bearer token"));
        answers.push(("403", "The caller's role may not do this"));
    } else if !is_health && !path.starts_with("/api/v1/auth/") {
        // Public reads take an optional token: a signed-in caller may see more.
        op.security = Some(vec![
            SecurityRequirement::default(),
            SecurityRequirement::new("bearer", Vec::<String>::new()),
        ]);
        answers.push(("401", "A bearer token was sent and is not valid"));
    }
    if has_params {
        answers.push(("404", "No such resource, or one the caller may not see"));
    }
    if has_body {
        answers.push(("413", "The body is larger than the server accepts"));
        answers.push(("415", "The body is not `application/json`"));
        answers.push((
            "422",
            "The body is well-formed JSON but invalid: every problem at once in `errors`",
        ));
    }
    if method != Method::Get && !is_health {
        answers.push((
            "507",
            "The server's storage is full; nothing was written, retry later",
        ));
    }
    let searches = op.parameters.as_ref().is_some_and(|ps| {
        ps.iter()
            .any(|p| p.name == "q" && p.parameter_in == ParameterIn::Query)
    });
    let limited = (method != Method::Get && !is_health)
        || path.starts_with("/api/v1/exports/")
        || path.ends_with("/suggestions")
        || searches;
    if limited {
        answers.push((
            "429",
            "Too many requests of this kind from this caller in a minute (see the README's rate \
             limits): `Retry-After` says when to come back; `RateLimit-Policy` and `RateLimit` \
             (IETF draft) come with every answer of a limited kind",
        ));
    }
    let conditional_write = op.responses.responses.contains_key("412");
    let requires_match = op.responses.responses.contains_key("428");
    if conditional_write {
        header(
            op,
            "If-Match",
            requires_match,
            "The `ETag` of the representation this change is based on; a stale tag is a 412.",
            None,
        );
    }
    if op.responses.responses.contains_key("304") {
        header(
            op,
            "If-None-Match",
            false,
            "An `ETag` from an earlier read: 304 when the representation has not changed.",
            None,
        );
    }
    if method == Method::Post && protected {
        header(
            op,
            "Idempotency-Key",
            false,
            "Makes the request safe to retry: the same key with the same request replays the \
             first answer (`Idempotency-Replayed: true`) for 48 hours; with another request it \
             is a 422; while the first is still running, a 409 with `Retry-After`. 1 to 255 \
             visible ASCII characters.",
            Some(r"^[\x21-\x7E]{1,255}$"),
        );
        answers.push((
            "409",
            "Conflict with the resource's state, or a request with this `Idempotency-Key` is \
             still running (`Retry-After`)",
        ));
        answers.push((
            "422",
            "Invalid input, or an `Idempotency-Key` reused for another request",
        ));
    }
    answers.push((
        "500",
        "Unexpected error; the problem carries the request id",
    ));
    answers.push(("503", "The database is unavailable; retry later"));
    for (code, description) in answers {
        op.responses
            .responses
            .entry(code.to_owned())
            .or_insert_with(|| problem_response(description));
    }
}

/// Declares a request header `name` on `op` unless its annotation already does; the server's
/// rules for it decide `required` and `pattern`.
fn header(
    op: &mut Operation,
    name: &str,
    required: bool,
    description: &str,
    pattern: Option<&str>,
) {
    let params = op.parameters.get_or_insert_with(Vec::new);
    params
        .retain(|p| !(p.parameter_in == ParameterIn::Header && p.name.eq_ignore_ascii_case(name)));
    let mut schema = ObjectBuilder::new().schema_type(Type::String);
    if let Some(pattern) = pattern {
        schema = schema.pattern(Some(pattern));
    }
    params.push(
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Header)
            .required(if required {
                Required::True
            } else {
                Required::False
            })
            .description(Some(description))
            .schema(Some(schema))
            .build(),
    );
}

/// The extension members problems carry, by kind of problem.
fn problem_extensions(problem: &mut Object) {
    let string = |d: &str| {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(d))
    };
    let members: [(&str, RefOr<Schema>); 8] = [
        (
            "current_status",
            string("`invalid-transition`: the resource's status now").into(),
        ),
        (
            "allowed",
            ArrayBuilder::new()
                .items(ObjectBuilder::new().schema_type(Type::String))
                .description(Some(
                    "`invalid-transition`: the actions the status allows now",
                ))
                .into(),
        ),
        (
            "reasons",
            ArrayBuilder::new()
                .items(ObjectBuilder::new().schema_type(Type::String))
                .description(Some("Conflicts: why the change cannot be made"))
                .into(),
        ),
        (
            "location",
            string("`*-exists`: the path of the resource that already exists").into(),
        ),
        (
            "due_on",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
                .description(Some("`deadline-passed`: the due date that passed"))
                .into(),
        ),
        (
            "retry_after",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0))
                .description(Some("429: seconds to wait, as in `Retry-After`"))
                .into(),
        ),
        (
            "error",
            string("Token endpoint: the OAuth 2.0 error code (RFC 6749 §5.2)").into(),
        ),
        (
            "error_description",
            string("Token endpoint: the OAuth 2.0 error description").into(),
        ),
    ];
    for (name, schema) in members {
        problem.properties.insert(name.to_owned(), schema);
    }
}

/// This document: the OpenAPI 3.1 description of the API.
#[utoipa::path(
    tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json"))
)]
#[get("/openapi.json")]
pub async fn openapi_json(spec: web::Data<SpecDocument>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(spec.0.clone())
}
