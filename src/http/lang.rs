//! Language negotiation: `lang=` beats `Accept-Language`; fallback is the original language.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, FieldError};

/// One of the four official languages of the OAS.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    Es,
    Fr,
    Pt,
}

impl Lang {
    pub const ALL: [Lang; 4] = [Lang::En, Lang::Es, Lang::Fr, Lang::Pt];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
            Lang::Fr => "fr",
            Lang::Pt => "pt",
        }
    }

    /// Exactly one of the codes `en`, `es`, `fr`, `pt` (for stored and written values).
    pub fn parse_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == code)
    }

    /// Parses a language tag (`es`, `ES`, `es-AR`) by its primary subtag.
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.code() == primary)
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// What the client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LangPref {
    /// One language; the client's order of preference from `Accept-Language` follows it.
    One(Lang),
    /// `lang=all`: every translation.
    All,
}

/// The `lang` query parameter, shared by every endpoint that returns text people read.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LangParam {
    /// Language of the text fields: `en`, `es`, `fr`, `pt`, or `all` for every translation.
    /// Overrides `Accept-Language`. Missing translations fall back to the original language.
    #[param(value_type = Option<LangChoice>, example = "es")]
    pub lang: Option<String>,
}

/// The `lang` query parameter of writes: the language of the body's plain-string texts, and of
/// the texts of the answer.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WriteLangParam {
    /// Language of the plain-string texts the body carries (texts given as objects say their
    /// own); the answer's texts are in it too. `all` is for reads only.
    #[param(value_type = Option<Lang>, example = "es")]
    pub lang: Option<String>,
}

/// What `lang=` takes: one of the OAS languages, or `all` for every translation.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LangChoice {
    En,
    Es,
    Fr,
    Pt,
    All,
}

impl From<Lang> for LangChoice {
    fn from(lang: Lang) -> LangChoice {
        match lang {
            Lang::En => LangChoice::En,
            Lang::Es => LangChoice::Es,
            Lang::Fr => LangChoice::Fr,
            Lang::Pt => LangChoice::Pt,
        }
    }
}

impl LangPref {
    /// The preference of `req`, for handlers that cannot take the extractor.
    pub fn from_request_parts(req: &HttpRequest) -> Result<Self, ApiError> {
        if let Some(value) = lang_param(req) {
            if value == "all" {
                return Ok(LangPref::All);
            }
            return Lang::parse_code(&value)
                .map(LangPref::One)
                .ok_or_else(|| unsupported(&value, "en, es, fr, pt, all"));
        }
        let header = req
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        Ok(LangPref::One(
            best_accept_language(header).unwrap_or(Lang::En),
        ))
    }
}

/// The supported language the `Accept-Language` header likes best, if any.
pub fn best_accept_language(header: &str) -> Option<Lang> {
    let mut ranked: Vec<(f32, usize, Lang)> = header
        .split(',')
        .enumerate()
        .filter_map(|(i, part)| {
            let mut pieces = part.split(';');
            let lang = Lang::parse(pieces.next()?)?;
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q=").map(str::to_owned))
                .map(|q| q.trim().parse::<f32>().unwrap_or(0.0))
                .unwrap_or(1.0);
            (q > 0.0).then_some((q, i, lang))
        })
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    ranked.first().map(|r| r.2)
}

impl FromRequest for LangPref {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::from_request_parts(req))
    }
}

/// A text people read: one string, or with `lang=all` every translation keyed by language.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(untagged)]
pub enum Localized {
    /// The text in the negotiated language (see `Content-Language`).
    One(String),
    /// Every translation, keyed by language code.
    All(BTreeMap<String, String>),
}

/// Collects which languages a response actually used, for `Content-Language`.
#[derive(Debug, Default)]
pub struct LangTracker {
    used: BTreeSet<Lang>,
    all: bool,
}

impl LangTracker {
    /// Picks the text for `pref` from `texts`, falling back to `original`, then to any.
    pub fn pick(
        &mut self,
        pref: LangPref,
        texts: &BTreeMap<Lang, String>,
        original: Lang,
    ) -> Localized {
        match pref {
            LangPref::All => {
                self.all = true;
                self.used.extend(texts.keys().copied());
                Localized::All(
                    texts
                        .iter()
                        .map(|(l, t)| (l.code().to_owned(), t.clone()))
                        .collect(),
                )
            }
            LangPref::One(lang) => {
                let chosen = [lang, original]
                    .into_iter()
                    .find(|l| texts.contains_key(l))
                    .or_else(|| texts.keys().next().copied());
                match chosen {
                    Some(l) => {
                        self.used.insert(l);
                        Localized::One(texts[&l].clone())
                    }
                    None => Localized::One(String::new()),
                }
            }
        }
    }

    /// The `Content-Language` value: the languages the response's texts are in.
    pub fn header_value(&self, pref: LangPref) -> String {
        if self.used.is_empty() {
            return match pref {
                LangPref::One(l) => l.code().to_owned(),
                LangPref::All => "en".into(),
            };
        }
        self.used
            .iter()
            .map(|l| l.code())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_ranks_by_quality_then_order() {
        assert_eq!(
            best_accept_language("fr;q=0.5, es-AR, en;q=0.9"),
            Some(Lang::Es)
        );
        assert_eq!(best_accept_language("de, pt-BR;q=0.4"), Some(Lang::Pt));
        assert_eq!(best_accept_language("de, *"), None);
        assert_eq!(best_accept_language("es;q=0, fr;q=0.1"), Some(Lang::Fr));
        assert_eq!(best_accept_language(""), None);
    }

    #[test]
    fn pick_falls_back_to_original_language() {
        let mut texts = BTreeMap::new();
        texts.insert(Lang::Es, "Presupuesto".to_owned());
        let mut t = LangTracker::default();
        assert_eq!(
            t.pick(LangPref::One(Lang::Fr), &texts, Lang::Es),
            Localized::One("Presupuesto".into())
        );
        assert_eq!(t.header_value(LangPref::One(Lang::Fr)), "es");
    }
}

/// Translations of one text, by language.
pub type I18n = BTreeMap<Lang, String>;

/// A translatable text as clients send it: a string (in the document's language, or the
/// `lang=` of the request), or an object keyed by language code.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(untagged)]
pub enum TextIn {
    One(String),
    Many(BTreeMap<String, String>),
}

impl TextIn {
    /// Validates into translations: known language keys, `max` characters each, and when
    /// `required`, a non-empty text in `lang`.
    pub fn to_i18n(
        &self,
        checks: &mut crate::http::validate::Checks,
        field: &str,
        lang: Lang,
        required: bool,
        max: usize,
    ) -> I18n {
        let mut out = I18n::new();
        match self {
            TextIn::One(s) => {
                out.insert(lang, s.trim().to_owned());
            }
            TextIn::Many(m) => {
                for (k, v) in m {
                    match Lang::parse(k).filter(|l| l.code() == k) {
                        Some(l) => {
                            out.insert(l, v.trim().to_owned());
                        }
                        None => checks.add(
                            &format!("{field}.{k}"),
                            "language",
                            "keys must be en, es, fr or pt",
                        ),
                    }
                }
            }
        }
        out.retain(|_, v| !v.is_empty());
        for (l, v) in &out {
            if v.chars().count() > max {
                checks.add(
                    &format!("{field}.{l}"),
                    "length",
                    format!("must have at most {max} characters"),
                );
            }
        }
        if required && !out.contains_key(&lang) {
            checks.add(
                field,
                "required",
                format!("must have a text in the document's language ({lang})"),
            );
        }
        out
    }
}

/// `lang` of the request, for writes: which language plain-string texts are in.
pub fn write_language(req: &actix_web::HttpRequest) -> Result<Option<Lang>, ApiError> {
    match lang_param(req) {
        None => Ok(None),
        Some(v) => Lang::parse_code(&v)
            .map(Some)
            .ok_or_else(|| unsupported(&v, "en, es, fr, pt")),
    }
}

/// The `lang` query parameter, if the request has one.
fn lang_param(req: &HttpRequest) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
        .unwrap_or_default()
        .into_iter()
        .find(|(k, _)| k == "lang")
        .map(|(_, v)| v)
}

fn unsupported(value: &str, allowed: &str) -> ApiError {
    ApiError::invalid_query(vec![FieldError::new(
        "lang",
        "unsupported",
        format!("'{value}' is not one of {allowed}"),
    )])
}

/// Translations as stored in a TEXT column: a JSON object keyed by language.
pub fn i18n_to_json(texts: &I18n) -> String {
    serde_json::to_string(texts).unwrap_or_else(|_| "{}".into())
}

/// The one schema of translatable text, `Text`: what clients send ([`TextIn`]) and what
/// reads return ([`Localized`]) have the same shape.
fn text_schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
    use utoipa::openapi::Ref;
    OneOfBuilder::new()
        .description(Some(
            "A translatable text: a string (in the negotiated language on reads; on writes in \
             the `lang=` of the request, or the document's language), or an object of \
             translations keyed by language code.",
        ))
        .item(ObjectBuilder::new().schema_type(Type::String))
        .item(Ref::from_schema_name("Translations"))
        .into()
}

fn translations_schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, Type};
    let mut object = ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(
            "Translations of one text, keyed by the OAS languages `en`, `es`, `fr`, `pt`.",
        ))
        .additional_properties(Some(AdditionalProperties::FreeForm(false)));
    for lang in Lang::ALL {
        object = object.property(lang.code(), ObjectBuilder::new().schema_type(Type::String));
    }
    object.into()
}

macro_rules! text_schema_for {
    ($($ty:ty),*) => {$(
        impl utoipa::PartialSchema for $ty {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                text_schema()
            }
        }
        impl ToSchema for $ty {
            fn name() -> std::borrow::Cow<'static, str> {
                "Text".into()
            }
            fn schemas(
                schemas: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>,
            ) {
                schemas.push(("Translations".into(), translations_schema()));
            }
        }
    )*};
}
text_schema_for!(TextIn, Localized);
