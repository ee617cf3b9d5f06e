//! What makes a valid account.

use crate::auth::Role;
use crate::http::validate::Checks;

/// The roles an account may have, as validation messages list them.
pub const ROLES: &str = "member_country, expert, secretariat";

/// Focal points and experts belong to a country; the secretariat does not.
pub fn check_role_country(checks: &mut Checks, role: Role, country: Option<&str>) {
    match (role.has_country(), country) {
        (true, None) => checks.add(
            "country",
            "required",
            format!("a {role} user must have a country (alpha-3 code)"),
        ),
        (false, Some(_)) => checks.add(
            "country",
            "not_allowed",
            "a secretariat user is not bound to a country",
        ),
        _ => {}
    }
}

/// Whether a change of these account fields must end the user's current sessions.
pub fn ends_sessions(
    role_changed: bool,
    country_changed: bool,
    deactivated: bool,
    password_changed: bool,
) -> bool {
    role_changed || country_changed || deactivated || password_changed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_and_country_must_agree() {
        let mut c = Checks::new();
        check_role_country(&mut c, Role::MemberCountry, None);
        check_role_country(&mut c, Role::Secretariat, Some("ARG"));
        check_role_country(&mut c, Role::Expert, Some("ARG"));
        check_role_country(&mut c, Role::Secretariat, None);
        assert_eq!(c.errors.len(), 2);
    }
}
