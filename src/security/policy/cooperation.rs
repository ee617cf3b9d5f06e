//! Who may do what in the cooperation cycle: a country writes its own needs and offers and
//! acts on its cooperations, the secretariat does everything and brokers, experts read and may
//! propose cooperations for needs serving recommendations they reviewed, and everyone reads
//! the public board.

use super::{forbidden, hidden, need, refuse, secretariat_only};
use crate::error::ApiError;
use crate::security::{Principal, Role};

/// A need as the policy sees it.
#[derive(Debug, Clone, Copy)]
pub struct NeedFacts<'a> {
    pub country: &'a str,
    pub draft: bool,
    pub confidential: bool,
    /// The caller's country provides one of its cooperations.
    pub caller_provides: bool,
}

fn owns(p: &Principal, country: &str) -> bool {
    p.is(Role::Secretariat) || (p.is(Role::MemberCountry) && p.of_country(country))
}

fn sees_need(p: Option<&Principal>, n: &NeedFacts) -> bool {
    if p.is_some_and(|p| owns(p, n.country)) {
        return true;
    }
    if n.draft {
        return false;
    }
    !n.confidential || (n.caller_provides && p.is_some_and(|p| p.is(Role::MemberCountry)))
}

pub fn read_need(p: Option<&Principal>, n: &NeedFacts) -> Result<(), ApiError> {
    if sees_need(p, n) {
        Ok(())
    } else {
        Err(hidden())
    }
}

/// Declaring a need for `country`: its focal points, or the secretariat on its behalf.
pub fn create_need(p: Option<&Principal>, country: &str) -> Result<(), ApiError> {
    let p = need(p)?;
    match p.role {
        Role::Secretariat => Ok(()),
        Role::MemberCountry if p.of_country(country) => Ok(()),
        Role::MemberCountry => Err(forbidden("declare needs of another country")),
        Role::Expert => Err(forbidden("declare needs")),
    }
}

/// Editing, opening, withdrawing, closing a need.
pub fn write_need(p: Option<&Principal>, n: &NeedFacts) -> Result<(), ApiError> {
    let principal = need(p)?;
    if owns(principal, n.country) {
        Ok(())
    } else {
        Err(refuse(sees_need(p, n), "change this need"))
    }
}

/// An offer as the policy sees it.
#[derive(Debug, Clone, Copy)]
pub struct OfferFacts<'a> {
    /// `None` for a partner organisation's offer (the secretariat's to write).
    pub country: Option<&'a str>,
    pub draft: bool,
}

fn writes_offer(p: &Principal, o: &OfferFacts) -> bool {
    p.is(Role::Secretariat)
        || (p.is(Role::MemberCountry) && o.country.is_some_and(|c| p.of_country(c)))
}

fn sees_offer(p: Option<&Principal>, o: &OfferFacts) -> bool {
    !o.draft || p.is_some_and(|p| writes_offer(p, o))
}

pub fn read_offer(p: Option<&Principal>, o: &OfferFacts) -> Result<(), ApiError> {
    if sees_offer(p, o) {
        Ok(())
    } else {
        Err(hidden())
    }
}

/// Declaring an offer: a country's focal points for it, the secretariat for any country or
/// partner organisation.
pub fn create_offer(p: Option<&Principal>, o: &OfferFacts) -> Result<(), ApiError> {
    let principal = need(p)?;
    if writes_offer(principal, o) {
        return Ok(());
    }
    Err(match principal.role {
        Role::Expert => forbidden("declare offers"),
        _ if o.country.is_none() => forbidden("declare offers of partner organisations"),
        _ => forbidden("declare offers of another country"),
    })
}

pub fn write_offer(p: Option<&Principal>, o: &OfferFacts) -> Result<(), ApiError> {
    let principal = need(p)?;
    if writes_offer(principal, o) {
        Ok(())
    } else {
        Err(refuse(sees_offer(p, o), "change this offer"))
    }
}

/// Registering partner organisations.
pub fn manage_partners(p: Option<&Principal>) -> Result<(), ApiError> {
    secretariat_only(p, "register partner organisations")
}

/// A cooperation as the policy sees it.
#[derive(Debug, Clone, Copy)]
pub struct CooperationFacts<'a> {
    pub requester: &'a str,
    /// `None` when a partner organisation provides.
    pub provider_country: Option<&'a str>,
    /// Agreed (or later) and serving a need that is not confidential.
    pub public: bool,
    /// The caller proposed it.
    pub caller_proposed: bool,
}

/// The side the caller acts for, if they are a focal point of a party.
pub fn party_side(p: &Principal, c: &CooperationFacts) -> Option<crate::statuses::Side> {
    use crate::statuses::Side;
    if !p.is(Role::MemberCountry) {
        return None;
    }
    if p.of_country(c.requester) {
        Some(Side::Requester)
    } else if c.provider_country.is_some_and(|pc| p.of_country(pc)) {
        Some(Side::Provider)
    } else {
        None
    }
}

fn sees_cooperation(p: Option<&Principal>, c: &CooperationFacts) -> bool {
    c.public
        || p.is_some_and(|p| {
            p.is(Role::Secretariat) || party_side(p, c).is_some() || c.caller_proposed
        })
}

pub fn read_cooperation(p: Option<&Principal>, c: &CooperationFacts) -> Result<(), ApiError> {
    if sees_cooperation(p, c) {
        Ok(())
    } else {
        Err(hidden())
    }
}

/// Proposing a cooperation for a need the caller can see: the secretariat, the focal points of
/// either party, or an expert whose country reviewed a recommendation the need serves.
pub fn propose_cooperation(
    p: Option<&Principal>,
    c: &CooperationFacts,
    expert_reviewed: bool,
) -> Result<(), ApiError> {
    let principal = need(p)?;
    let allowed = match principal.role {
        Role::Secretariat => true,
        Role::MemberCountry => party_side(principal, c).is_some(),
        Role::Expert => expert_reviewed,
    };
    if allowed {
        Ok(())
    } else {
        Err(forbidden(
            "propose this cooperation (only its parties, the secretariat, or experts who reviewed the recommendations it serves)",
        ))
    }
}

/// Agreeing, starting, completing, cancelling, changing the plan: the parties and the
/// secretariat.
pub fn act_on_cooperation(p: Option<&Principal>, c: &CooperationFacts) -> Result<(), ApiError> {
    let principal = need(p)?;
    if principal.is(Role::Secretariat) || party_side(principal, c).is_some() {
        Ok(())
    } else {
        Err(refuse(sees_cooperation(p, c), "act on this cooperation"))
    }
}

/// Reading a cooperation's rating: the parties and the secretariat, everyone when public.
pub fn sees_rating(p: Option<&Principal>, c: &CooperationFacts, public: bool) -> bool {
    public || p.is_some_and(|p| p.is(Role::Secretariat) || party_side(p, c).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(role: Role, country: Option<&str>) -> Principal {
        Principal {
            user_id: 1,
            role,
            country: country.map(str::to_owned),
            client_id: None,
        }
    }

    #[test]
    fn confidential_needs_are_for_the_country_the_secretariat_and_providers() {
        let n = NeedFacts {
            country: "PER",
            draft: false,
            confidential: true,
            caller_provides: false,
        };
        assert!(read_need(None, &n).is_err());
        assert!(read_need(Some(&p(Role::MemberCountry, Some("PER"))), &n).is_ok());
        assert!(read_need(Some(&p(Role::Secretariat, None)), &n).is_ok());
        assert!(read_need(Some(&p(Role::MemberCountry, Some("CHL"))), &n).is_err());
        let provided = NeedFacts {
            caller_provides: true,
            ..n
        };
        assert!(read_need(Some(&p(Role::MemberCountry, Some("CHL"))), &provided).is_ok());
        assert!(read_need(Some(&p(Role::Expert, Some("CHL"))), &provided).is_err());
        let open = NeedFacts {
            confidential: false,
            ..n
        };
        assert!(read_need(None, &open).is_ok());
    }

    #[test]
    fn cooperation_parties() {
        let c = CooperationFacts {
            requester: "PER",
            provider_country: Some("CHL"),
            public: false,
            caller_proposed: false,
        };
        use crate::statuses::Side;
        assert_eq!(
            party_side(&p(Role::MemberCountry, Some("CHL")), &c),
            Some(Side::Provider)
        );
        assert_eq!(party_side(&p(Role::Expert, Some("CHL")), &c), None);
        assert!(read_cooperation(None, &c).is_err());
        assert!(act_on_cooperation(Some(&p(Role::MemberCountry, Some("ARG"))), &c).is_err());
        assert!(propose_cooperation(Some(&p(Role::Expert, Some("ARG"))), &c, false).is_err());
        assert!(propose_cooperation(Some(&p(Role::Expert, Some("ARG"))), &c, true).is_ok());
    }
}
