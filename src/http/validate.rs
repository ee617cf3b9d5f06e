//! Collects every problem with an input, to answer them all in one 422.

use validator::{ValidateEmail, ValidateUrl};

use crate::error::{ApiError, FieldError};

#[derive(Debug, Default)]
pub struct Checks {
    pub errors: Vec<FieldError>,
}

impl Checks {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &str, code: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, code, message));
    }

    /// A text with `min..=max` characters after trimming; returns it trimmed.
    pub fn text(&mut self, field: &str, value: &str, min: usize, max: usize) -> String {
        let v = value.trim();
        let n = v.chars().count();
        if n < min {
            if min == 1 {
                self.add(field, "required", "must not be empty");
            } else {
                self.add(
                    field,
                    "length",
                    format!("must have at least {min} characters"),
                );
            }
        } else if n > max {
            self.add(
                field,
                "length",
                format!("must have at most {max} characters"),
            );
        }
        v.to_owned()
    }

    /// An email address, trimmed and lower-cased.
    pub fn email(&mut self, field: &str, value: &str) -> String {
        let v = value.trim().to_lowercase();
        if v.len() > 254 || !v.validate_email() {
            self.add(field, "email", "must be an email address");
        }
        v
    }

    /// An absolute http(s) URL.
    pub fn url(&mut self, field: &str, value: &str) -> String {
        let v = value.trim();
        if v.len() > 2000
            || !v.validate_url()
            || !(v.starts_with("http://") || v.starts_with("https://"))
        {
            self.add(field, "url", "must be an absolute http or https URL");
        }
        v.to_owned()
    }

    /// Parses one of a closed set of values.
    pub fn one_of<T: Copy>(
        &mut self,
        field: &str,
        value: &str,
        parse: impl Fn(&str) -> Option<T>,
        allowed: &str,
    ) -> Option<T> {
        let parsed = parse(value);
        if parsed.is_none() {
            self.add(field, "unknown", format!("must be one of {allowed}"));
        }
        parsed
    }

    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// `Ok(())` when nothing was found, else the 422 listing everything.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(self.errors))
        }
    }

    /// The same as a 400 for query strings.
    pub fn finish_query(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::invalid_query(self.errors))
        }
    }
}

/// For PATCH bodies: tells an absent field (`None`) from an explicit `null` (`Some(None)`).
pub fn double_option<'de, T, D>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    serde::Deserialize::deserialize(de).map(Some)
}

impl Checks {
    /// A `YYYY-MM-DD` date.
    pub fn date(&mut self, field: &str, raw: &str) -> Option<chrono::NaiveDate> {
        let parsed = chrono::NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").ok();
        if parsed.is_none() {
            self.add(field, "date", "must be a date, YYYY-MM-DD");
        }
        parsed
    }

    /// An RFC 3339 instant (`updated_since`), in UTC.
    pub fn instant(&mut self, field: &str, raw: &str) -> Option<chrono::NaiveDateTime> {
        let parsed = chrono::DateTime::parse_from_rfc3339(raw.trim())
            .ok()
            .map(|d| d.naive_utc());
        if parsed.is_none() {
            self.add(
                field,
                "date-time",
                "must be an RFC 3339 date-time, e.g. 2026-11-30T00:00:00Z",
            );
        }
        parsed
    }

    /// A language code: en, es, fr or pt, exactly.
    pub fn language(&mut self, field: &str, raw: &str) -> Option<crate::http::lang::Lang> {
        self.one_of(
            field,
            raw,
            crate::http::lang::Lang::parse_code,
            "en, es, fr, pt",
        )
    }

    /// An optional integer parameter (an id, usually).
    pub fn integer(&mut self, field: &str, raw: Option<&str>) -> Option<i64> {
        let raw = raw?;
        match raw.trim().parse() {
            Ok(v) => Some(v),
            Err(_) => {
                self.add(field, "integer", "must be a whole number (an id)");
                None
            }
        }
    }
}
