//! Passwords: argon2id hashes, a constant-time answer for unknown accounts, strong
//! generated passwords.

use std::sync::OnceLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::distributions::Alphanumeric;
use rand::Rng;

pub const MIN_LEN: usize = 12;
/// Hashing cost grows with length: refuse absurd inputs before hashing them (characters).
pub const MAX_LEN: usize = 256;

/// An argon2id PHC string (the crate's defaults: 19 MiB, 2 passes, 1 lane).
pub fn hash(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .expect("argon2 with default parameters cannot fail on a bounded input")
}

pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Spends the time of a real verification, so that an unknown email answers as slowly as a
/// wrong password.
pub fn verify_against_nothing(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let phc = DUMMY.get_or_init(|| hash("an unguessable placeholder password"));
    let _ = verify(password, phc);
}

/// A 24-character random password (about 142 bits).
pub fn generate() -> String {
    OsRng
        .sample_iter(&Alphanumeric)
        .take(24)
        .map(char::from)
        .collect()
}

/// Problems with a new password, for validation answers.
pub fn problems(password: &str) -> Option<String> {
    let n = password.chars().count();
    if n < MIN_LEN {
        Some(format!("must be at least {MIN_LEN} characters"))
    } else if n > MAX_LEN {
        Some(format!("must be at most {MAX_LEN} characters"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let h = hash("correct horse battery");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterx", &h));
        assert!(!verify("x", "not a phc string"));
        assert_ne!(h, hash("correct horse battery"), "salted");
    }

    #[test]
    fn generated_passwords_are_long_and_distinct() {
        let a = generate();
        assert_eq!(a.len(), 24);
        assert_ne!(a, generate());
        assert!(problems(&a).is_none());
        assert!(problems("short").is_some());
    }
}
