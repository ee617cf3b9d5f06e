//! Wire types of the cooperation cycle: partners, needs, offers, cooperations, suggestions and
//! the map, with their OpenAPI schemas.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::rules::{
    CooperationStatus, Modality, NeedKind, NeedStatus, OfferStatus, PartnerKind, Priority, Side,
};
use crate::http::lang::{Lang, Localized, TextIn};

// ---- partners ------------------------------------------------------------------------------

/// A partner organisation that offers cooperation (an OAS department, a development bank, a
/// university…), registered by the secretariat.
#[derive(Debug, Serialize, ToSchema)]
pub struct Partner {
    pub id: i64,
    #[schema(example = "Inter-American Development Bank")]
    pub name: String,
    #[schema(example = "IDB")]
    pub acronym: Option<String>,
    pub kind: PartnerKind,
    pub website: Option<String>,
    pub description: Localized,
    pub language: Lang,
    pub revision: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new partner organisation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Inter-American Development Bank", "acronym": "IDB", "kind": "development_bank", "website": "https://www.iadb.org"}))]
pub struct NewPartner {
    /// 1 to 300 characters, unique.
    #[schema(max_length = 300)]
    pub name: String,
    #[schema(max_length = 50)]
    pub acronym: Option<String>,
    pub kind: PartnerKind,
    /// An absolute http(s) URL.
    #[schema(max_length = 2000)]
    pub website: Option<String>,
    pub description: Option<TextIn>,
    /// Language of the description (default `en`).
    pub language: Option<Lang>,
}

// ---- needs ---------------------------------------------------------------------------------

/// A country's need for cooperation or technical assistance in one thematic area.
#[derive(Debug, Serialize, ToSchema)]
pub struct Need {
    pub id: i64,
    /// Alpha-3 code of the country that needs it.
    #[schema(example = "PER")]
    pub country: String,
    #[schema(example = "public-budget")]
    pub thematic_area: String,
    pub kind: NeedKind,
    pub priority: Priority,
    pub modality: Modality,
    /// Original language of the texts.
    pub language: Lang,
    pub title: Localized,
    pub description: Localized,
    /// Languages the country can work in.
    pub languages: Vec<Lang>,
    /// Recommendations (of this country's reports) the need serves.
    pub recommendations: Vec<i64>,
    /// The country's own Guide experiences that describe where it stands.
    pub experiences: Vec<i64>,
    /// Visible only to the country, the secretariat and the parties of its cooperations.
    pub confidential: bool,
    pub status: NeedStatus,
    /// Lifecycle actions the status allows now.
    #[schema(example = json!(["withdraw", "close"]))]
    pub allowed_actions: Vec<String>,
    /// Why it was closed as met without a cooperation, or withdrawn.
    pub close_note: Option<String>,
    /// Its cooperations the caller may see.
    pub cooperations: Vec<i64>,
    /// Files attached to it (`POST /attachments` with `parent_type` `need`).
    pub attachments: Vec<crate::files::api::Attachment>,
    pub revision: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new need; it starts `draft`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "thematic_area": "public-budget", "kind": "technical_assistance", "priority": "high",
    "title": {"en": "Performance-based budgeting", "es": "Presupuesto por resultados"},
    "description": "We need help to link program evaluation to budget allocation.",
    "languages": ["es", "en"], "modality": "either", "recommendations": [12]
}))]
pub struct NewNeed {
    /// Alpha-3 code; a focal point's own country when absent (the secretariat must give it).
    pub country: Option<String>,
    pub thematic_area: String,
    pub kind: NeedKind,
    /// Default `medium`.
    pub priority: Option<Priority>,
    /// Default `either`.
    pub modality: Option<Modality>,
    /// Original language of the texts (default `en`).
    pub language: Option<Lang>,
    /// A string in `language`, or an object keyed by language; up to 300 characters.
    pub title: TextIn,
    /// Up to 20000 characters.
    pub description: TextIn,
    /// Languages the country can work in (default: the texts' language).
    pub languages: Option<Vec<Lang>>,
    /// Ids of recommendations to this country (of adopted or published reports), up to 50.
    pub recommendations: Option<Vec<i64>>,
    /// Ids of this country's Guide experiences, up to 50.
    pub experiences: Option<Vec<i64>>,
    /// Default `false`.
    pub confidential: Option<bool>,
}

/// Changes to a draft or open need; absent fields stay.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NeedPatch {
    pub thematic_area: Option<String>,
    pub kind: Option<NeedKind>,
    pub priority: Option<Priority>,
    pub modality: Option<Modality>,
    pub title: Option<TextIn>,
    pub description: Option<TextIn>,
    pub languages: Option<Vec<Lang>>,
    pub recommendations: Option<Vec<i64>>,
    pub experiences: Option<Vec<i64>>,
    pub confidential: Option<bool>,
}

/// Why a need is closed or withdrawn.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NeedNote {
    /// Required to close a need as met without a cooperation; up to 2000 characters.
    #[schema(
        max_length = 2000,
        example = "The ministry hired a consultant with its own funds."
    )]
    pub note: Option<String>,
}

/// Filters of the need list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NeedQuery {
    /// A thematic area's slug.
    pub thematic_area: Option<String>,
    /// Alpha-3 code of the country.
    pub country: Option<String>,
    /// One of the OAS subregions (see `/countries`).
    #[param(value_type = Option<crate::countries::model::Subregion>)]
    pub subregion: Option<String>,
    #[param(value_type = Option<NeedKind>)]
    pub kind: Option<String>,
    #[param(value_type = Option<NeedStatus>)]
    pub status: Option<String>,
    /// Only those changed at or after this instant (RFC 3339).
    #[param(value_type = Option<DateTime<Utc>>)]
    pub updated_since: Option<String>,
    /// Words that must all appear in the title or description (any language, accents ignored).
    #[param(max_length = 500)]
    pub q: Option<String>,
}

// ---- offers --------------------------------------------------------------------------------

/// Ratings of the completed cooperations of an offer, in aggregate.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ratings {
    pub count: i64,
    /// Mean of the ratings (1 to 5); `null` without any.
    pub average: Option<f64>,
}

/// What a country, or a partner organisation, can share in one thematic area.
#[derive(Debug, Serialize, ToSchema)]
pub struct Offer {
    pub id: i64,
    /// Alpha-3 code of the offering country; `null` for a partner organisation's offer.
    pub country: Option<String>,
    /// The offering partner organisation's id; `null` for a country's offer.
    pub partner: Option<i64>,
    pub thematic_area: String,
    pub language: Lang,
    pub title: Localized,
    pub description: Localized,
    pub kinds: Vec<NeedKind>,
    pub languages: Vec<Lang>,
    pub modality: Modality,
    /// Cooperations it can take on per year.
    pub capacity_per_year: Option<i32>,
    pub valid_from: NaiveDate,
    /// Last day it may be taken up; `null` when open-ended.
    pub valid_until: Option<NaiveDate>,
    /// The offering country's published Guide experiences that show the practice.
    pub experiences: Vec<i64>,
    pub status: OfferStatus,
    #[schema(example = json!(["close"]))]
    pub allowed_actions: Vec<String>,
    pub ratings: Ratings,
    /// Files attached to it (`POST /attachments` with `parent_type` `offer`).
    pub attachments: Vec<crate::files::api::Attachment>,
    pub revision: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new offer; it starts `draft`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "thematic_area": "public-budget", "kinds": ["technical_assistance", "study_visit"],
    "title": "Chile's performance budgeting system",
    "description": "DIPRES shares its evaluation and budget-linking practice.",
    "languages": ["es"], "modality": "either", "capacity_per_year": 3,
    "valid_until": "2027-12-31", "experiences": [4]
}))]
pub struct NewOffer {
    /// Alpha-3 code; a focal point's own country when absent. The secretariat gives a country
    /// or a `partner`.
    pub country: Option<String>,
    /// A partner organisation's id (secretariat only), instead of a country.
    pub partner: Option<i64>,
    pub thematic_area: String,
    /// Original language of the texts (default `en`).
    pub language: Option<Lang>,
    pub title: TextIn,
    pub description: TextIn,
    /// At least one.
    #[schema(min_items = 1)]
    pub kinds: Vec<NeedKind>,
    pub languages: Option<Vec<Lang>>,
    pub modality: Option<Modality>,
    /// 1 to 1000.
    #[schema(minimum = 1, maximum = 1000)]
    pub capacity_per_year: Option<i32>,
    /// Default: today.
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    /// Published Guide experiences of the offering country, up to 50.
    pub experiences: Option<Vec<i64>>,
}

/// Changes to a draft or open offer; absent fields stay.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferPatch {
    pub thematic_area: Option<String>,
    pub title: Option<TextIn>,
    pub description: Option<TextIn>,
    pub kinds: Option<Vec<NeedKind>>,
    pub languages: Option<Vec<Lang>>,
    pub modality: Option<Modality>,
    #[schema(minimum = 1, maximum = 1000)]
    pub capacity_per_year: Option<i32>,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub experiences: Option<Vec<i64>>,
}

/// Filters of the offer list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OfferQuery {
    pub thematic_area: Option<String>,
    /// Alpha-3 code of the offering country.
    pub country: Option<String>,
    /// Offers of this partner organisation.
    #[param(value_type = Option<i64>)]
    pub partner: Option<String>,
    /// Of the offering country.
    #[param(value_type = Option<crate::countries::model::Subregion>)]
    pub subregion: Option<String>,
    /// Offers that give this kind of help.
    #[param(value_type = Option<NeedKind>)]
    pub kind: Option<String>,
    #[param(value_type = Option<OfferStatus>)]
    pub status: Option<String>,
    #[param(value_type = Option<DateTime<Utc>>)]
    pub updated_since: Option<String>,
    #[param(max_length = 500)]
    pub q: Option<String>,
}

// ---- cooperations --------------------------------------------------------------------------

/// One planned activity of a cooperation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Activity {
    pub kind: NeedKind,
    /// Up to 300 characters.
    #[schema(max_length = 300, example = "Two-week mission to the budget office")]
    pub title: String,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub modality: Option<Modality>,
    /// Number of people taking part, 1 to 10000.
    #[schema(minimum = 1, maximum = 10000)]
    pub participants: Option<i32>,
}

/// What came of a completed cooperation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Outcome {
    pub summary: String,
    pub results: Option<String>,
    pub lessons: Option<String>,
}

/// The receiving country's rating of a completed cooperation.
#[derive(Debug, Serialize, ToSchema)]
pub struct Rating {
    #[schema(minimum = 1, maximum = 5)]
    pub score: i32,
    pub comment: Option<String>,
    /// The receiving country lets everyone read it.
    pub public: bool,
}

/// Each side's agreement to a proposed cooperation.
#[derive(Debug, Serialize, ToSchema)]
pub struct Agreement {
    /// When the country with the need agreed.
    pub requester_agreed_at: Option<DateTime<Utc>>,
    /// When the provider agreed.
    pub provider_agreed_at: Option<DateTime<Utc>>,
}

/// One need met by one provider: a country or a partner organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct Cooperation {
    pub id: i64,
    pub need: i64,
    /// The offer taken up, if any.
    pub offer: Option<i64>,
    /// Alpha-3 code of the country with the need.
    pub requester: String,
    /// Alpha-3 code of the providing country; `null` when a partner provides.
    pub provider_country: Option<String>,
    /// The providing partner organisation; `null` when a country provides.
    pub provider_partner: Option<i64>,
    pub thematic_area: String,
    pub language: Lang,
    pub title: Localized,
    pub description: Localized,
    pub activities: Vec<Activity>,
    pub status: CooperationStatus,
    #[schema(example = json!(["agree", "cancel"]))]
    pub allowed_actions: Vec<String>,
    pub agreement: Agreement,
    pub agreed_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    /// Once completed.
    pub outcome: Option<Outcome>,
    /// Shown to the parties and the secretariat, and to everyone when the receiving country
    /// made it public.
    pub rating: Option<Rating>,
    pub cancel_reason: Option<String>,
    /// Files attached to it (`POST /attachments` with `parent_type` `cooperation`): the
    /// agreement, reports of its activities, evidence of its outcome.
    pub attachments: Vec<crate::files::api::Attachment>,
    pub revision: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A proposed cooperation: a need, and an offer or a provider.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"need": 3, "offer": 7, "activities": [{"kind": "study_visit", "title": "Visit to the budget office", "starts_on": "2027-03-01", "ends_on": "2027-03-05", "modality": "in_person", "participants": 4}]}))]
pub struct NewCooperation {
    pub need: i64,
    /// The offer taken up; its provider is the cooperation's.
    pub offer: Option<i64>,
    /// A providing country, without an offer.
    pub provider_country: Option<String>,
    /// A providing partner organisation, without an offer.
    pub provider_partner: Option<i64>,
    /// Default: the need's title.
    pub title: Option<TextIn>,
    pub description: Option<TextIn>,
    /// Up to 100.
    pub activities: Option<Vec<Activity>>,
}

/// Changes to a cooperation's plan (until it completes); absent fields stay.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CooperationPatch {
    pub title: Option<TextIn>,
    pub description: Option<TextIn>,
    pub activities: Option<Vec<Activity>>,
}

/// Which side agrees. A focal point agrees for its own country's side; the secretariat names
/// the side it records (a partner's, or a country's on its behalf).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreeIn {
    pub side: Option<Side>,
}

/// The outcome of a cooperation, reported on completion.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"summary": "The budget office adopted a program evaluation calendar.", "results": "12 programs evaluated in 2027.", "lessons": "Start with a pilot ministry.", "rating": 5, "rating_comment": "Very useful.", "rating_public": true}))]
pub struct CompleteIn {
    /// 1 to 5000 characters.
    #[schema(max_length = 5000)]
    pub summary: String,
    #[schema(max_length = 5000)]
    pub results: Option<String>,
    #[schema(max_length = 5000)]
    pub lessons: Option<String>,
    /// 1 to 5, the receiving country's only (its focal point, or the secretariat for it).
    #[schema(minimum = 1, maximum = 5)]
    pub rating: Option<i32>,
    #[schema(max_length = 2000)]
    pub rating_comment: Option<String>,
    /// Let everyone read the rating (default `false`: public only in aggregate).
    pub rating_public: Option<bool>,
}

/// Why a cooperation is cancelled.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelIn {
    /// 1 to 2000 characters.
    #[schema(
        max_length = 2000,
        example = "The mission could not be funded this year."
    )]
    pub reason: String,
}

/// Filters of the cooperation list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CooperationQuery {
    pub thematic_area: Option<String>,
    /// Cooperations where this country is a party (either side).
    pub country: Option<String>,
    /// Of the country with the need.
    #[param(value_type = Option<crate::countries::model::Subregion>)]
    pub subregion: Option<String>,
    /// Of the need.
    #[param(value_type = Option<NeedKind>)]
    pub kind: Option<String>,
    #[param(value_type = Option<CooperationStatus>)]
    pub status: Option<String>,
    /// Cooperations serving this need.
    #[param(value_type = Option<i64>)]
    pub need: Option<String>,
    #[param(value_type = Option<DateTime<Utc>>)]
    pub updated_since: Option<String>,
    /// Words that must all appear in the need's title or description.
    #[param(max_length = 500)]
    pub q: Option<String>,
}

// ---- suggestions and the map ---------------------------------------------------------------

crate::stored_enum! {
    /// What a suggestion points to.
    pub enum SuggestionKind {
        Offer = "offer",
        Experience = "experience",
        Need = "need",
    }
}

/// Why a suggestion is made.
#[derive(Debug, Serialize, ToSchema)]
pub struct Reasons {
    /// It is in the same thematic area.
    pub same_area: bool,
    /// Words of the need (or offer) that its texts share.
    #[schema(example = json!(["budget", "evaluation"]))]
    pub matched_words: Vec<String>,
    /// Languages both can work in.
    pub common_languages: Vec<Lang>,
    /// Recommendations in the area that the providing country has implemented.
    pub implemented_recommendations: i64,
    /// The modality suits what is asked.
    pub modality_suits: bool,
}

/// A ranked suggestion: an offer or a Guide experience for a need, or a need for an offer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Suggestion {
    pub kind: SuggestionKind,
    pub id: i64,
    /// Where to read it.
    #[schema(example = "/api/v1/offers/7")]
    pub href: String,
    pub country: Option<String>,
    pub partner: Option<i64>,
    pub thematic_area: String,
    pub title: Localized,
    /// 0 to 98: the same area 50, text similarity up to 25, a common language 10, implemented
    /// recommendations up to 8, a suitable modality 5. The list is in this order.
    pub score: f64,
    pub reasons: Reasons,
}

/// Suggestions for one need or offer, best first.
#[derive(Debug, Serialize, ToSchema)]
pub struct Suggestions {
    pub data: Vec<Suggestion>,
}

/// Paging of a suggestion list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestionQuery {
    /// How many, 1 to 50 (default 10).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 50)]
    pub limit: Option<String>,
}

/// One cell of the cooperation map: a thematic area in a subregion.
#[derive(Debug, Serialize, ToSchema)]
pub struct MapCell {
    #[schema(example = "public-budget")]
    pub thematic_area: String,
    /// The OAS subregion; `partners` for offers of partner organisations.
    #[schema(example = "south_america")]
    pub subregion: String,
    pub open_needs: i64,
    pub open_offers: i64,
    pub in_progress: i64,
    pub completed: i64,
}

/// What a front end draws as the cooperation map: public needs, offers and cooperations by
/// thematic area × subregion, only cells with something in them.
#[derive(Debug, Serialize, ToSchema)]
pub struct CooperationMap {
    pub cells: Vec<MapCell>,
    pub totals: MapTotals,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MapTotals {
    pub open_needs: i64,
    pub open_offers: i64,
    pub in_progress: i64,
    pub completed: i64,
    /// Ratings of completed cooperations, in aggregate.
    pub ratings: Ratings,
}
