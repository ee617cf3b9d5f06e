//! Who a caller is and what the one access policy lets them do: roles, the principal, the
//! access-token keys and the login throttle. The bottom of the crate: it imports no slice, so
//! the state, the audit log and every slice can depend on it.

pub mod jwt;
pub mod policy;
pub mod throttle;

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

crate::stored_enum! {
    /// A user's role in the mechanism.
    pub enum Role {
        /// National focal point of a member country (bound to its country).
        MemberCountry = "member_country",
        /// Member of the Committee of Experts (bound to a country for conflicts of interest).
        Expert = "expert",
        /// Technical Secretariat staff: administers the mechanism.
        Secretariat = "secretariat",
    }
}

impl Role {
    /// Whether users of this role are bound to a country.
    pub fn has_country(self) -> bool {
        self != Role::Secretariat
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The authenticated caller: a person, or a machine client acting for its owner.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    pub user_id: i64,
    pub role: Role,
    pub country: Option<String>,
    /// Set when a machine client holds the token.
    pub client_id: Option<String>,
}

impl Principal {
    pub fn is(&self, role: Role) -> bool {
        self.role == role
    }

    pub fn of_country(&self, code: &str) -> bool {
        self.country.as_deref() == Some(code)
    }
}

/// A random opaque token (refresh tokens, client secrets): 256 bits, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// How opaque tokens are stored: they carry 256 bits, so a plain SHA-256 cannot be reversed.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}
