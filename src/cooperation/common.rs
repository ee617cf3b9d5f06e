//! What the needs, offers and cooperations endpoints share: who the caller is to the board,
//! the filters of their lists, the checks of their common fields and the facts the policy
//! reads.

use super::api::{CooperationQuery, NeedQuery, OfferQuery};
use super::rules::{self, NeedKind};
use super::search::{self, Indexed};
use super::store::{BoardFilter, CooperationBrief, NeedRecord, Viewer};
use crate::auth::policy::{CooperationFacts, NeedFacts};
use crate::auth::{Principal, Role};
use crate::countries::model::Subregion;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::http::lang::{I18n, Lang, TextIn};
use crate::http::validate::Checks;

pub fn viewer(p: Option<&Principal>) -> Viewer {
    match p {
        None => Viewer::Public { user: None },
        Some(p) => match (p.role, &p.country) {
            (Role::Secretariat, _) => Viewer::Secretariat,
            (Role::MemberCountry, Some(c)) => Viewer::Country {
                code: c.clone(),
                user: p.user_id,
            },
            _ => Viewer::Public {
                user: Some(p.user_id),
            },
        },
    }
}

/// The raw filters every board list takes.
pub struct RawFilter<'a> {
    pub thematic_area: Option<&'a str>,
    pub country: Option<&'a str>,
    pub subregion: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub updated_since: Option<&'a str>,
    pub q: Option<&'a str>,
}

/// The filters a board list and its export share, as the query string gave them.
macro_rules! board_query {
    ($($query:ty),*) => {$(
        impl $query {
            pub fn raw(&self) -> RawFilter<'_> {
                RawFilter {
                    thematic_area: self.thematic_area.as_deref(),
                    country: self.country.as_deref(),
                    subregion: self.subregion.as_deref(),
                    kind: self.kind.as_deref(),
                    updated_since: self.updated_since.as_deref(),
                    q: self.q.as_deref(),
                }
            }
        }
    )*};
}

board_query!(NeedQuery, OfferQuery, CooperationQuery);

pub fn need_status(checks: &mut Checks, raw: Option<&str>) -> Option<rules::NeedStatus> {
    raw.and_then(|s| {
        checks.one_of(
            "status",
            s.trim(),
            rules::NeedStatus::parse,
            "draft, open, in_cooperation, met, withdrawn",
        )
    })
}

pub fn offer_status(checks: &mut Checks, raw: Option<&str>) -> Option<rules::OfferStatus> {
    raw.and_then(|s| {
        checks.one_of(
            "status",
            s.trim(),
            rules::OfferStatus::parse,
            "draft, open, closed",
        )
    })
}

pub fn cooperation_status(
    checks: &mut Checks,
    raw: Option<&str>,
) -> Option<rules::CooperationStatus> {
    raw.and_then(|s| {
        checks.one_of(
            "status",
            s.trim(),
            rules::CooperationStatus::parse,
            "proposed, agreed, in_progress, completed, cancelled",
        )
    })
}

/// A PATCH's title and description merged into the stored ones (see [`merge_text`]): the
/// title keeps its original language, the description some text.
#[allow(clippy::too_many_arguments)]
pub fn patch_texts(
    checks: &mut Checks,
    title: Option<&TextIn>,
    description: Option<&TextIn>,
    stored_title: &I18n,
    stored_description: &I18n,
    lang: Lang,
    original: Lang,
) -> (I18n, I18n) {
    let title = match title {
        Some(t) => merge_text(
            checks,
            "title",
            t,
            stored_title,
            lang,
            Some(original),
            rules::MAX_TITLE,
        ),
        None => stored_title.clone(),
    };
    let description = match description {
        Some(t) => merge_text(
            checks,
            "description",
            t,
            stored_description,
            lang,
            None,
            rules::MAX_DESCRIPTION,
        ),
        None => stored_description.clone(),
    };
    (title, description)
}

/// Checks a list's filters; the full-text match runs later, in the list's transaction
/// ([`resolve_q`]).
pub fn board_filter(checks: &mut Checks, raw: &RawFilter) -> (BoardFilter, Option<String>) {
    let subregion = raw.subregion.and_then(|s| {
        checks
            .one_of(
                "subregion",
                s.trim(),
                Subregion::parse,
                "north_america, central_america, caribbean, andean, southern_cone",
            )
            .map(|s| s.as_str().to_owned())
    });
    let kind = raw.kind.and_then(|k| {
        checks.one_of(
            "kind",
            k.trim(),
            NeedKind::parse,
            "technical_assistance, training, peer_exchange, study_visit, expert_mission, documentation",
        )
    });
    let updated_since = raw
        .updated_since
        .and_then(|t| checks.instant("updated_since", t));
    let q = raw.q.map(str::trim).filter(|q| !q.is_empty()).map(|q| {
        if q.chars().count() > 500 {
            checks.add("q", "length", "must have at most 500 characters");
        }
        q.to_owned()
    });
    (
        BoardFilter {
            thematic_area: raw.thematic_area.map(|a| a.trim().to_ascii_lowercase()),
            country: raw.country.map(|c| c.trim().to_ascii_uppercase()),
            subregion,
            kind,
            updated_since,
            matched: None,
        },
        q,
    )
}

/// Runs the full-text search of `q`, if any, into the filter.
pub fn resolve_q(
    conn: &mut DbConn,
    filter: &mut BoardFilter,
    what: Indexed,
    q: Option<&str>,
) -> ApiResult<()> {
    if let Some(q) = q {
        filter.matched = Some(search::matching(conn, what, q)?);
    }
    Ok(())
}

/// A translatable text that must say something, in whatever language.
pub fn some_text(checks: &mut Checks, field: &str, value: &TextIn, lang: Lang, max: usize) -> I18n {
    let texts = value.to_i18n(checks, field, lang, false, max);
    if texts.is_empty() {
        checks.add(field, "required", "must not be empty");
    }
    texts
}

/// A translatable text of a need, offer or cooperation.
pub fn text(
    checks: &mut Checks,
    field: &str,
    value: &TextIn,
    lang: Lang,
    required: bool,
    max: usize,
) -> I18n {
    value.to_i18n(checks, field, lang, required, max)
}

/// Merges a PATCH of a translatable text into what is stored: the given translations replace
/// theirs, an empty string removes one, and the original language keeps a text (`None`: some
/// language does).
pub fn merge_text(
    checks: &mut Checks,
    field: &str,
    value: &TextIn,
    stored: &I18n,
    lang: Lang,
    original: Option<Lang>,
    max: usize,
) -> I18n {
    let mut texts = stored.clone();
    if matches!(value, TextIn::One(s) if s.trim().is_empty()) {
        texts.remove(&lang);
    }
    texts.extend(value.to_i18n(checks, field, lang, false, max));
    match original {
        Some(o) if !texts.contains_key(&o) => checks.add(
            field,
            "required",
            format!("must keep a text in the original language ({o})"),
        ),
        None if texts.is_empty() => checks.add(field, "required", "must keep a text"),
        _ => {}
    }
    texts
}

/// A thematic area's slug that exists.
pub fn area(conn: &mut DbConn, checks: &mut Checks, raw: &str) -> ApiResult<String> {
    let slug = raw.trim().to_ascii_lowercase();
    if !crate::experiences::store::area_exists(conn, &slug)? {
        checks.add(
            "thematic_area",
            "unknown",
            format!("'{slug}' is not a thematic area"),
        );
    }
    Ok(slug)
}

/// A member state's alpha-3 code that exists.
pub fn country(
    conn: &mut DbConn,
    checks: &mut Checks,
    field: &str,
    raw: &str,
) -> ApiResult<String> {
    let code = raw.trim().to_ascii_uppercase();
    if !crate::experiences::store::country_exists(conn, &code)? {
        checks.add(field, "unknown", format!("'{code}' is not a member state"));
    }
    Ok(code)
}

/// Languages without repeats, at least `lang` when none are given.
pub fn languages(given: Option<&[Lang]>, lang: Lang) -> Vec<Lang> {
    let mut out: Vec<Lang> = Vec::new();
    for l in given.unwrap_or(&[lang]) {
        if !out.contains(l) {
            out.push(*l);
        }
    }
    if out.is_empty() {
        out.push(lang);
    }
    out
}

/// Ids without repeats, at most [`rules::MAX_LINKS`].
pub fn ids(checks: &mut Checks, field: &str, given: &[i64]) -> Vec<i64> {
    let mut out: Vec<i64> = Vec::new();
    for id in given {
        if !out.contains(id) {
            out.push(*id);
        }
    }
    if out.len() > rules::MAX_LINKS {
        checks.add(
            field,
            "too_many",
            format!("at most {} ids", rules::MAX_LINKS),
        );
    }
    out
}

/// Guide experiences that must be of `country`; with `published`, public ones only.
pub fn check_experiences(
    conn: &mut DbConn,
    checks: &mut Checks,
    ids: &[i64],
    country: Option<&str>,
    published: bool,
) -> ApiResult<()> {
    let found = super::links::experience_facts(conn, ids)?;
    for id in ids {
        match found.iter().find(|e| e.0 == *id) {
            None => checks.add(
                "experiences",
                "unknown",
                format!("there is no experience {id}"),
            ),
            Some((_, c, _)) if country.is_some_and(|want| want != c) => checks.add(
                "experiences",
                "other-country",
                format!("experience {id} is of {c}, not of this country"),
            ),
            Some((_, _, false)) if published => checks.add(
                "experiences",
                "unpublished",
                format!("experience {id} has no published version"),
            ),
            Some(_) => {}
        }
    }
    Ok(())
}

/// The need as the policy sees it, for `p`.
pub fn need_facts<'a>(r: &'a NeedRecord, p: Option<&Principal>) -> NeedFacts<'a> {
    let mine = p.and_then(|p| p.country.as_deref());
    NeedFacts {
        country: &r.row.country,
        draft: r.row.status == rules::NeedStatus::Draft,
        confidential: r.row.confidential,
        caller_provides: mine.is_some_and(|m| {
            r.cooperations
                .iter()
                .any(|c| c.provider_country.as_deref() == Some(m))
        }),
    }
}

/// One of a need's cooperations as the policy sees it.
pub fn brief_facts<'a>(
    b: &'a CooperationBrief,
    need: &'a NeedRecord,
    p: Option<&Principal>,
) -> CooperationFacts<'a> {
    CooperationFacts {
        requester: &need.row.country,
        provider_country: b.provider_country.as_deref(),
        public: b.agreed_at.is_some() && !need.row.confidential,
        caller_proposed: p.is_some_and(|p| b.proposed_by == Some(p.user_id)),
    }
}

/// The 404 of a need that does not exist or that the caller may not see.
pub fn no_need(id: i64) -> ApiError {
    ApiError::not_found(format!("no need {id}"))
}
