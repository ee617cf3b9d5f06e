//! Access tokens: HS256 JWTs with the algorithm pinned and every time and audience claim
//! checked.

use std::collections::HashSet;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

pub const ISSUER: &str = "mecigep";
pub const AUDIENCE: &str = "mecigep-api";
/// Clock skew tolerated on `exp` and `nbf`.
pub const LEEWAY_SECS: u64 = 10;

/// What an access token says.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    /// The user's id.
    pub sub: String,
    pub role: String,
    pub country: Option<String>,
    pub iat: u64,
    pub nbf: u64,
    pub exp: u64,
    pub iss: String,
    pub aud: String,
    pub jti: String,
    /// The user's auth epoch when the token was issued.
    pub ver: i32,
    /// The machine client the token was issued to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cid: Option<String>,
}

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    /// Lifetime of an access token, in seconds.
    pub ttl_secs: u64,
}

impl JwtKeys {
    pub fn new(secret: &[u8], ttl_secs: u64) -> JwtKeys {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.leeway = LEEWAY_SECS;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_audience(&[AUDIENCE]);
        validation.set_issuer(&[ISSUER]);
        validation.required_spec_claims = ["exp", "nbf", "iat", "iss", "aud", "sub"]
            .iter()
            .map(|s| s.to_string())
            .collect::<HashSet<_>>();
        JwtKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl_secs,
        }
    }

    /// Signs a token for the subject; returns it with its lifetime in seconds.
    pub fn issue(
        &self,
        user_id: i64,
        role: &str,
        country: Option<&str>,
        epoch: i32,
        client_id: Option<&str>,
    ) -> (String, u64) {
        let now = jsonwebtoken::get_current_timestamp();
        let claims = Claims {
            sub: user_id.to_string(),
            role: role.to_owned(),
            country: country.map(str::to_owned),
            iat: now,
            nbf: now,
            exp: now + self.ttl_secs,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            jti: uuid::Uuid::new_v4().to_string(),
            ver: epoch,
            cid: client_id.map(str::to_owned),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing with an in-memory key cannot fail");
        (token, self.ttl_secs)
    }

    /// The claims of a valid token; the reason it is invalid otherwise.
    pub fn verify(&self, token: &str) -> Result<Claims, String> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|d| d.claims)
            .map_err(|e| e.to_string())
    }

    /// Signs arbitrary claims with this key (tests build malformed tokens with it).
    pub fn sign_raw<T: Serialize>(&self, header: &Header, claims: &T) -> String {
        jsonwebtoken::encode(header, claims, &self.encoding).unwrap_or_default()
    }
}
