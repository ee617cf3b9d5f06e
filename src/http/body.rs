//! JSON request bodies, read at once and judged when the handler asks: a handler authorises
//! the caller first and only then learns whether the body is valid, so a caller who may not
//! act gets a 403, never a list of the body's problems.
//!
//! A body that is not typed as its schema says is one 422 naming every missing field, every
//! field of the wrong JSON type and every unknown field at once (serde alone stops at the
//! first); the type's own schema, the one the spec publishes, says what to look for.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::JsonPayloadError;
use actix_web::{FromRequest, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::Value;
use utoipa::openapi::schema::{AdditionalProperties, Schema, SchemaType, Type};
use utoipa::openapi::RefOr;
use utoipa::ToSchema;

use super::{json_error, BodyLimit, DEFAULT_JSON_LIMIT};
use crate::error::{ApiError, FieldError};

/// A JSON body of type `T`, to be taken with [`Body::into_inner`] after authorisation.
pub struct Body<T>(Result<T, ApiError>);

impl<T> Body<T> {
    /// The body, or the problem with it (400, 413, 415 or 422).
    pub fn into_inner(self) -> Result<T, ApiError> {
        self.0
    }
}

/// A body the request may leave out (an action's optional reason): `None` when it is empty.
pub struct MaybeBody<T>(Result<Option<T>, ApiError>);

impl<T> MaybeBody<T> {
    /// The body if one was sent, or the problem with it.
    pub fn into_inner(self) -> Result<Option<T>, ApiError> {
        self.0
    }
}

impl<T: DeserializeOwned + ToSchema + 'static> FromRequest for Body<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let read = read(req, payload);
        Box::pin(async move {
            Ok(Body(read.await.and_then(|bytes| match bytes {
                Some(bytes) => parse(&bytes),
                None => Err(ApiError::bad_request(
                    "malformed-json",
                    "the request needs a JSON body",
                )),
            })))
        })
    }
}

impl<T: DeserializeOwned + ToSchema + 'static> FromRequest for MaybeBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let read = read(req, payload);
        Box::pin(async move {
            Ok(MaybeBody(read.await.and_then(|bytes| {
                // `null` is no body too.
                bytes
                    .filter(|b| b.trim_ascii() != b"null")
                    .map(|bytes| parse(&bytes))
                    .transpose()
            })))
        })
    }
}

/// The body's bytes, `None` when there are none; over the limit a 413, not JSON a 415.
fn read(
    req: &HttpRequest,
    payload: &mut Payload,
) -> impl Future<Output = Result<Option<Vec<u8>>, ApiError>> {
    let limit = req
        .app_data::<BodyLimit>()
        .map_or(DEFAULT_JSON_LIMIT, |l| l.0);
    let is_json = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .map(|m| {
            m.type_() == mime::APPLICATION
                && (m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON))
        });
    let mut payload = payload.take();
    async move {
        let mut bytes = Vec::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| {
                ApiError::bad_request("malformed-body", format!("the body could not be read: {e}"))
            })?;
            if bytes.len() + chunk.len() > limit {
                return Err(json_error(JsonPayloadError::Overflow { limit }));
            }
            bytes.extend_from_slice(&chunk);
        }
        if bytes.is_empty() {
            return Ok(None);
        }
        if is_json != Some(true) {
            return Err(json_error(JsonPayloadError::ContentType));
        }
        Ok(Some(bytes))
    }
}

fn parse<T: DeserializeOwned + ToSchema>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        ApiError::bad_request("malformed-json", format!("the body is not valid JSON: {e}"))
    })?;
    typed(value)
}

/// `value` as a `T`, or a 422 listing everything wrong with it.
pub fn typed<T: DeserializeOwned + ToSchema>(value: Value) -> Result<T, ApiError> {
    let mut errors = Vec::new();
    let mut named = Vec::new();
    T::schemas(&mut named);
    let refs = Refs(named);
    let mut outside_enums = Vec::new();
    shape_errors(
        &T::schema(),
        &value,
        "",
        &refs,
        &mut errors,
        &mut outside_enums,
    );
    // A string outside an enum is reported with the body's other problems; alone, it is left
    // to serde or to the handler, which may check it among fields of its own.
    if !errors.is_empty() {
        errors.extend(outside_enums);
        return Err(ApiError::validation(errors));
    }
    serde_json::from_value(value).map_err(|e| {
        ApiError::validation(vec![FieldError::new(
            super::data_error_field(&e.to_string()),
            "invalid",
            e.to_string(),
        )])
    })
}

/// The named schemas a body's type refers to, to resolve its `$ref`s.
struct Refs(Vec<(String, RefOr<Schema>)>);

impl Refs {
    /// The closed set of strings a referenced (or nullable referenced) schema allows, if it is
    /// an enum.
    fn enum_of(&self, property: &RefOr<Schema>) -> Option<Vec<String>> {
        let reference = match property {
            RefOr::Ref(r) => r,
            RefOr::T(Schema::OneOf(one)) => one.items.iter().find_map(|i| match i {
                RefOr::Ref(r) => Some(r),
                _ => None,
            })?,
            _ => return None,
        };
        let name = reference.ref_location.rsplit('/').next()?;
        let (_, schema) = self.0.iter().find(|(n, _)| n == name)?;
        let RefOr::T(Schema::Object(object)) = schema else {
            return None;
        };
        let values = object.enum_values.as_ref()?;
        Some(
            values
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
        )
    }
}

/// The problems of `value` against an object `schema`: missing required members, members of
/// the wrong JSON type, strings outside a referenced enum, and members the schema does not have
/// when it allows no others. Other referenced and composed schemas are left to serde.
fn shape_errors(
    schema: &RefOr<Schema>,
    value: &Value,
    at: &str,
    refs: &Refs,
    errors: &mut Vec<FieldError>,
    outside_enums: &mut Vec<FieldError>,
) {
    let RefOr::T(Schema::Object(object)) = schema else {
        return;
    };
    let Some(members) = value.as_object() else {
        if !at.is_empty() || !matches!(object.schema_type, SchemaType::Type(Type::Object)) {
            return;
        }
        errors.push(FieldError::new("body", "type", "must be a JSON object"));
        return;
    };
    let field = |name: &str| {
        if at.is_empty() {
            name.to_owned()
        } else {
            format!("{at}.{name}")
        }
    };
    for name in &object.required {
        if members.get(name).is_none_or(Value::is_null) {
            errors.push(FieldError::new(field(name), "required", "is required"));
        }
    }
    let closed = matches!(
        object.additional_properties.as_deref(),
        Some(AdditionalProperties::FreeForm(false))
    );
    for (name, member) in members {
        match object.properties.get(name) {
            Some(property) => {
                if let Some(expected) = wrong_type(property, member) {
                    errors.push(FieldError::new(
                        field(name),
                        "type",
                        format!("must be {expected}"),
                    ));
                } else if let (Some(allowed), Some(given)) =
                    (refs.enum_of(property), member.as_str())
                {
                    if !allowed.iter().any(|a| a == given) {
                        outside_enums.push(FieldError::new(
                            field(name),
                            "unknown",
                            format!("must be one of {}", allowed.join(", ")),
                        ));
                    }
                }
            }
            None if closed => errors.push(FieldError::new(
                field(name),
                "unknown",
                "is not a field of this body",
            )),
            None => {}
        }
    }
}

/// What `value` should have been, when a plainly typed property says otherwise.
fn wrong_type(property: &RefOr<Schema>, value: &Value) -> Option<&'static str> {
    let schema_type = match property {
        RefOr::T(Schema::Object(object)) => &object.schema_type,
        RefOr::T(Schema::Array(array)) => &array.schema_type,
        _ => return None,
    };
    let types: Vec<&Type> = match schema_type {
        SchemaType::Type(t) => vec![t],
        SchemaType::Array(ts) => ts.iter().collect(),
        SchemaType::AnyValue => return None,
    };
    let fits = |t: &Type| match t {
        Type::String => value.is_string(),
        Type::Integer => value.is_i64() || value.is_u64(),
        Type::Number => value.is_number(),
        Type::Boolean => value.is_boolean(),
        Type::Array => value.is_array(),
        Type::Object => value.is_object(),
        Type::Null => value.is_null(),
    };
    if types.is_empty() || types.iter().any(|t| fits(t)) {
        return None;
    }
    Some(match types.iter().find(|t| !matches!(t, Type::Null)) {
        Some(Type::String) => "a string",
        Some(Type::Integer) => "an integer",
        Some(Type::Number) => "a number",
        Some(Type::Boolean) => "true or false",
        Some(Type::Array) => "an array",
        Some(Type::Object) => "an object",
        _ => "null",
    })
}
