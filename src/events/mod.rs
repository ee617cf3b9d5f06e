//! Events: every state change that matters, appended in the transaction of the change, read
//! back as a feed filtered by what the caller may read, and pushed to webhooks.
//!
//! Who may read an event is decided when it is written, from the entity as it then stands:
//! its [`Scope`] names the audience (the public, a country with the secretariat, …) and the
//! country, other country and round the audience is relative to. The feed and every webhook
//! (read as its owner) filter on it, so an event never tells a caller of something the
//! policy kept from it when it happened.

pub mod api;
pub mod catalog;
pub mod routes;
pub mod store;

use serde_json::Value;

use crate::audit::AuditCtx;
use crate::db::DbConn;

crate::stored_enum! {
    /// Who may read an event (always the secretariat too).
    pub enum Audience {
        /// Everyone, signed in or not.
        Public = "public",
        /// The focal points of `country` and of `other_country`.
        Country = "country",
        /// Those of [`Audience::Country`] and every expert (submitted responses).
        CountryAndExperts = "country_and_experts",
        /// Those of [`Audience::Country`] and the experts assigned to review `country` in
        /// `round` (draft country reports, their comments and recommendations).
        CountryAndReviewers = "country_and_reviewers",
        /// Every expert (the hemispheric report's drafts).
        Experts = "experts",
        /// The secretariat alone.
        Secretariat = "secretariat",
    }
}

/// Whom an event concerns and who may read it.
#[derive(Debug, Clone)]
pub struct Scope {
    pub audience: Audience,
    pub country: Option<String>,
    pub other_country: Option<String>,
    pub round: Option<i64>,
}

impl Scope {
    pub fn new(audience: Audience, country: Option<&str>) -> Scope {
        Scope {
            audience,
            country: country.map(str::to_owned),
            other_country: None,
            round: None,
        }
    }

    /// Readable by everyone; `country` says whom it concerns.
    pub fn public(country: Option<&str>) -> Scope {
        Scope::new(Audience::Public, country)
    }

    /// Readable by `country`'s focal points (and the secretariat).
    pub fn country(country: &str) -> Scope {
        Scope::new(Audience::Country, Some(country))
    }

    pub fn in_round(mut self, round: i64) -> Scope {
        self.round = Some(round);
        self
    }

    pub fn and_country(mut self, other: Option<&str>) -> Scope {
        self.other_country = other.map(str::to_owned);
        self
    }
}

/// One event to append.
pub struct Event<'a> {
    /// A type of the catalogue (`response.returned`).
    pub event_type: &'a str,
    pub entity_type: &'a str,
    pub entity_id: String,
    pub scope: Scope,
    /// Enough to act on (the new status, the reason), never a copy of the entity.
    pub payload: Value,
}

/// Appends `event` in the caller's transaction, as done by `audit`'s actor. Events are
/// numbered in the order their transactions commit (see [`store::append`]).
pub fn emit(conn: &mut DbConn, audit: &AuditCtx, event: Event<'_>) -> diesel::QueryResult<()> {
    debug_assert!(
        catalog::known(event.event_type),
        "event type {} is not in the catalogue",
        event.event_type
    );
    store::append(conn, audit, &event)
}
