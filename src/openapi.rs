//! The OpenAPI document: generated from the handlers' annotations, served at
//! `/api/v1/openapi.json` and rendered at `/docs` with assets built into the binary.

use actix_web::{get, web, HttpResponse};
use utoipa::openapi::security::{
    ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Scopes, SecurityScheme,
};
use utoipa::openapi::{Content, OpenApi as Document, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi};

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
        (name = "auth", description = "Login, tokens, and machine clients of focal points"),
        (name = "users", description = "Accounts (secretariat) and the caller's own (`/me`)"),
        (name = "audit", description = "The append-only audit log (secretariat)"),
        (name = "meta", description = "Health and the API's own description"),
    ),
    components(schemas(Problem, FieldError, crate::exports::encode::Format)),
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

/// Adds the problem answers every operation can give, so that no path lacks them.
pub fn finish(mut api: Document) -> Document {
    let common = [
        (
            "500",
            "Unexpected error; the problem carries the request id",
        ),
        ("503", "The database is unavailable; retry later"),
    ];
    for (path, item) in api.paths.paths.iter_mut() {
        let has_params = path.contains('{');
        let ops = [
            item.get.as_mut(),
            item.post.as_mut(),
            item.put.as_mut(),
            item.patch.as_mut(),
            item.delete.as_mut(),
        ];
        for op in ops.into_iter().flatten() {
            let protected = op.security.as_ref().is_some_and(|reqs| {
                reqs.iter().any(|r| {
                    serde_json::to_value(r)
                        .is_ok_and(|v| v.as_object().is_some_and(|o| o.contains_key("bearer")))
                })
            });
            if protected {
                let mut answers = vec![
                    ("401", "No valid bearer token"),
                    ("403", "The caller's role may not do this"),
                ];
                if has_params {
                    answers.push(("404", "No such resource, or one the caller may not see"));
                }
                for (code, description) in answers {
                    op.responses
                        .responses
                        .entry(code.to_owned())
                        .or_insert_with(|| problem_response(description));
                }
            }
            for (code, description) in common {
                op.responses
                    .responses
                    .entry(code.to_owned())
                    .or_insert_with(|| problem_response(description));
            }
        }
    }
    api
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
