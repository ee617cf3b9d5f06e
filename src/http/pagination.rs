//! Keyset pagination with opaque cursors: `limit` + `cursor` in, `{data, next_cursor}` and a
//! `Link: rel="next"` header out. A cursor holds the sort key of the last row served, so a
//! page stays stable when rows are inserted before it.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ApiResult, FieldError};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

/// Pagination parameters common to every list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size, 1 to 500 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500, example = 50)]
    pub limit: Option<String>,
    /// Opaque cursor from a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// A validated page request; `K` is the keyset the list sorts by.
#[derive(Debug, Clone)]
pub struct PageRequest<K> {
    pub limit: i64,
    pub after: Option<K>,
}

impl PageParams {
    /// Validates limit and cursor, pushing every problem to `errors`.
    pub fn parse<K: DeserializeOwned>(&self, errors: &mut Vec<FieldError>) -> PageRequest<K> {
        let limit = match self.limit.as_deref() {
            None => DEFAULT_LIMIT,
            Some(raw) => match raw.trim().parse::<i64>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                _ => {
                    errors.push(FieldError::new(
                        "limit",
                        "range",
                        format!("must be an integer from 1 to {MAX_LIMIT}"),
                    ));
                    DEFAULT_LIMIT
                }
            },
        };
        let after = match self.cursor.as_deref() {
            None | Some("") => None,
            Some(raw) => match decode_cursor(raw) {
                Some(k) => Some(k),
                None => {
                    errors.push(FieldError::new(
                        "cursor",
                        "invalid",
                        "is not a cursor this list gave out; start again without it",
                    ));
                    None
                }
            },
        };
        PageRequest { limit, after }
    }
}

pub fn encode_cursor<K: Serialize>(key: &K) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(key).unwrap_or_default())
}

pub fn decode_cursor<K: DeserializeOwned>(raw: &str) -> Option<K> {
    let bytes = URL_SAFE_NO_PAD.decode(raw.trim()).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    /// The items of this page, in the list's order.
    pub data: Vec<T>,
    /// Cursor of the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows: the extra row only tells that more follow.
    pub fn from_rows<R, K: Serialize>(
        mut rows: Vec<R>,
        limit: i64,
        key: impl Fn(&R) -> K,
        map: impl FnMut(R) -> T,
    ) -> Page<T> {
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = if more {
            rows.last().map(|r| encode_cursor(&key(r)))
        } else {
            None
        };
        Page {
            data: rows.into_iter().map(map).collect(),
            next_cursor,
        }
    }

    /// [`Page::from_rows`] where making an item can fail: the first failure is the answer.
    pub fn try_from_rows<R, K: Serialize, E>(
        rows: Vec<R>,
        limit: i64,
        key: impl Fn(&R) -> K,
        map: impl FnMut(R) -> Result<T, E>,
    ) -> Result<Page<T>, E> {
        let page = Page::from_rows(rows, limit, key, map);
        Ok(Page {
            data: page.data.into_iter().collect::<Result<_, E>>()?,
            next_cursor: page.next_cursor,
        })
    }
}

/// A page serialised with the headers that go with it: what a cache can keep.
#[derive(Debug, Clone)]
pub struct PageBody {
    pub body: actix_web::web::Bytes,
    pub content_language: Option<String>,
    pub link: Option<String>,
}

impl PageBody {
    pub fn new<T: Serialize>(
        req: &HttpRequest,
        page: &Page<T>,
        content_language: Option<String>,
    ) -> ApiResult<PageBody> {
        let body = serde_json::to_vec(page)
            .map_err(|e| ApiError::internal(format!("serialising a page: {e}")))?;
        let link = page.next_cursor.as_ref().map(|cursor| {
            let mut query: Vec<(String, String)> =
                serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
            query.retain(|(k, _)| k != "cursor");
            query.push(("cursor".into(), cursor.clone()));
            let qs = serde_urlencoded::to_string(&query).unwrap_or_default();
            format!("<{}?{}>; rel=\"next\"", req.path(), qs)
        });
        Ok(PageBody {
            body: body.into(),
            content_language,
            link,
        })
    }

    /// The 200 answer.
    pub fn respond(&self) -> HttpResponse {
        let mut res = HttpResponse::Ok();
        res.content_type("application/json");
        res.insert_header((header::VARY, HeaderValue::from_static("Accept-Language")));
        if let Some(lang) = &self.content_language {
            res.insert_header((header::CONTENT_LANGUAGE, lang.as_str()));
        }
        if let Some(link) = &self.link {
            res.insert_header((header::LINK, link.as_str()));
        }
        res.body(self.body.clone())
    }
}

/// The JSON answer for a page, with `Link: <…>; rel="next"` when there is a next page.
pub fn page_response<T: Serialize>(
    req: &HttpRequest,
    page: &Page<T>,
    content_language: Option<String>,
) -> ApiResult<HttpResponse> {
    Ok(PageBody::new(req, page, content_language)?.respond())
}
