//! The OpenAPI document: generated from the handlers' annotations, served at
//! `/api/v1/openapi.json` and rendered at `/docs` with assets built into the binary.

use actix_web::{get, web, HttpResponse};
use utoipa::openapi::{Content, OpenApi as Document, RefOr, Response, ResponseBuilder};
use utoipa::OpenApi;

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
        (name = "meta", description = "Health and the API's own description"),
    ),
    components(schemas(Problem, FieldError))
)]
pub struct ApiDoc;

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
    for item in api.paths.paths.values_mut() {
        let ops = [
            item.get.as_mut(),
            item.post.as_mut(),
            item.put.as_mut(),
            item.patch.as_mut(),
            item.delete.as_mut(),
        ];
        for op in ops.into_iter().flatten() {
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
