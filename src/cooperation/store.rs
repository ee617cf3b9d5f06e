//! Queries of the cooperation cycle. Lists run a fixed number of queries whatever the page
//! size: the page, then one query per kind of thing its items show.

use crate::files::api::Attachment;
use crate::files::attachments::for_parents;
use crate::files::parents::ParentType;
use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::{count_star, sql};
use diesel::prelude::*;
use diesel::sql_types::{Double, Nullable};

use super::model::{
    CooperationChanges, CooperationRow, NeedRow, NeedValues, NewCooperationRow, NewPartnerRow,
    OfferRow, OfferValues, PartnerRow,
};
use super::rules::{CooperationStatus, NeedKind, NeedStatus, OfferStatus};
use crate::db::schema::{cooperations as co, countries, needs, offers, partners};
use crate::db::DbConn;

// ---- partners ------------------------------------------------------------------------------

pub fn insert_partner(conn: &mut DbConn, row: &NewPartnerRow) -> QueryResult<i64> {
    diesel::insert_into(partners::table)
        .values(row)
        .returning(partners::id)
        .get_result(conn)
}

pub fn find_partner(conn: &mut DbConn, id: i64) -> QueryResult<Option<PartnerRow>> {
    partners::table
        .find(id)
        .select(PartnerRow::as_select())
        .first(conn)
        .optional()
}

/// Whether another partner has this name, case aside.
pub fn partner_name_taken(conn: &mut DbConn, name: &str) -> QueryResult<bool> {
    let wanted = name.to_lowercase();
    Ok(partners::table
        .select(partners::name)
        .load::<String>(conn)?
        .iter()
        .any(|n| n.to_lowercase() == wanted))
}

/// Up to `limit + 1` partners after id `after`, by id.
pub fn list_partners(
    conn: &mut DbConn,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<PartnerRow>> {
    let mut q = partners::table.into_boxed();
    if let Some(a) = after {
        q = q.filter(partners::id.gt(a));
    }
    q.order(partners::id.asc())
        .limit(limit + 1)
        .select(PartnerRow::as_select())
        .load(conn)
}

// ---- who sees what -------------------------------------------------------------------------

/// What a caller sees beyond the public board.
#[derive(Debug, Clone)]
pub enum Viewer {
    /// Anonymous callers and experts (an expert also sees the cooperations they proposed).
    Public {
        user: Option<i64>,
    },
    /// A focal point: its country's own, and what its country is a party to.
    Country {
        code: String,
        user: i64,
    },
    Secretariat,
}

/// Filters shared by the three lists.
#[derive(Debug, Default, Clone)]
pub struct BoardFilter {
    pub thematic_area: Option<String>,
    pub country: Option<String>,
    pub subregion: Option<String>,
    pub kind: Option<NeedKind>,
    pub updated_since: Option<NaiveDateTime>,
    /// Ids the full-text search matched (`q`), when there was one.
    pub matched: Option<Vec<i64>>,
}

// ---- needs ---------------------------------------------------------------------------------

/// A need with its cooperations (every one: the policy and the reader choose what to show).
#[derive(Debug, Clone)]
pub struct NeedRecord {
    pub row: NeedRow,
    pub cooperations: Vec<CooperationBrief>,
    pub attachments: Vec<Attachment>,
}

/// What a need's reader needs of each of its cooperations.
#[derive(Debug, Clone, Queryable)]
pub struct CooperationBrief {
    pub id: i64,
    pub need_id: i64,
    pub status: CooperationStatus,
    pub provider_country: Option<String>,
    pub agreed_at: Option<NaiveDateTime>,
    pub proposed_by: Option<i64>,
}

fn briefs(conn: &mut DbConn, need_ids: &[i64]) -> QueryResult<HashMap<i64, Vec<CooperationBrief>>> {
    let mut out: HashMap<i64, Vec<CooperationBrief>> = HashMap::new();
    for b in co::table
        .filter(co::need_id.eq_any(need_ids))
        .order(co::id.asc())
        .select((
            co::id,
            co::need_id,
            co::status,
            co::provider_country,
            co::agreed_at,
            co::proposed_by,
        ))
        .load::<CooperationBrief>(conn)?
    {
        out.entry(b.need_id).or_default().push(b);
    }
    Ok(out)
}

fn need_records(conn: &mut DbConn, rows: Vec<NeedRow>) -> QueryResult<Vec<NeedRecord>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut all = briefs(conn, &ids)?;
    let mut files = for_parents(conn, ParentType::Need, &ids)?;
    Ok(rows
        .into_iter()
        .map(|row| NeedRecord {
            cooperations: all.remove(&row.id).unwrap_or_default(),
            attachments: files.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect())
}

pub fn find_need(conn: &mut DbConn, id: i64) -> QueryResult<Option<NeedRecord>> {
    let row = needs::table
        .find(id)
        .select(NeedRow::as_select())
        .first(conn)
        .optional()?;
    match row {
        Some(r) => Ok(need_records(conn, vec![r])?.pop()),
        None => Ok(None),
    }
}

pub fn insert_need(
    conn: &mut DbConn,
    values: &NeedValues,
    by: Option<i64>,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(needs::table)
        .values((values, needs::created_by.eq(by), needs::created_at.eq(now)))
        .returning(needs::id)
        .get_result(conn)
}

pub fn update_need(conn: &mut DbConn, id: i64, values: &NeedValues) -> QueryResult<usize> {
    diesel::update(needs::table.find(id))
        .set(values)
        .execute(conn)
}

/// Moves a need to `status` with the next revision (its own actions, and its cooperations'),
/// with the note of a closure or withdrawal when there is one.
pub fn set_need_status(
    conn: &mut DbConn,
    row: &NeedRow,
    status: NeedStatus,
    note: Option<String>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(needs::table.find(row.id))
        .set((
            needs::status.eq(status),
            needs::close_note.eq(note.or_else(|| row.close_note.clone())),
            needs::revision.eq(row.revision + 1),
            needs::updated_at.eq(now),
        ))
        .execute(conn)
}

/// Up to `limit + 1` needs the viewer may see, newest first, before id `before`.
pub fn list_needs(
    conn: &mut DbConn,
    viewer: &Viewer,
    filter: &BoardFilter,
    status: Option<NeedStatus>,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<NeedRecord>> {
    let mut q = needs::table.into_boxed();
    let public = needs::status
        .ne(NeedStatus::Draft)
        .and(needs::confidential.eq(false));
    q = match viewer {
        Viewer::Secretariat => q,
        Viewer::Public { .. } => q.filter(public),
        Viewer::Country { code, .. } => q.filter(
            needs::country
                .eq(code.clone())
                .or(needs::status.ne(NeedStatus::Draft).and(
                    needs::confidential.eq(false).or(needs::id.eq_any(
                        co::table
                            .filter(co::provider_country.eq(code.clone()))
                            .select(co::need_id),
                    )),
                )),
        ),
    };
    if let Some(a) = &filter.thematic_area {
        q = q.filter(needs::thematic_area.eq(a.clone()));
    }
    if let Some(c) = &filter.country {
        q = q.filter(needs::country.eq(c.clone()));
    }
    if let Some(s) = &filter.subregion {
        q = q.filter(
            needs::country.eq_any(
                countries::table
                    .filter(countries::subregion.eq(s.clone()))
                    .select(countries::code),
            ),
        );
    }
    if let Some(k) = filter.kind {
        q = q.filter(needs::kind.eq(k));
    }
    if let Some(t) = filter.updated_since {
        q = q.filter(needs::updated_at.ge(t));
    }
    if let Some(ids) = &filter.matched {
        q = q.filter(needs::id.eq_any(ids.clone()));
    }
    if let Some(s) = status {
        q = q.filter(needs::status.eq(s));
    }
    if let Some(b) = before {
        q = q.filter(needs::id.lt(b));
    }
    let rows = q
        .order(needs::id.desc())
        .limit(limit + 1)
        .select(NeedRow::as_select())
        .load(conn)?;
    need_records(conn, rows)
}

/// Open needs (not confidential unless `also` names them) outside `country`, in `area` or among
/// `ids`: candidates for an offer's suggestions.
pub fn open_needs_for(
    conn: &mut DbConn,
    country: Option<&str>,
    area: &str,
    ids: &[i64],
    visible_confidential: Option<&str>,
) -> QueryResult<Vec<NeedRow>> {
    let mut q = needs::table
        .filter(needs::status.eq(NeedStatus::Open))
        .filter(
            needs::thematic_area
                .eq(area.to_owned())
                .or(needs::id.eq_any(ids.to_vec())),
        )
        .into_boxed();
    if let Some(c) = country {
        q = q.filter(needs::country.ne(c.to_owned()));
    }
    q = match visible_confidential {
        Some("*") => q,
        Some(c) => q.filter(
            needs::confidential
                .eq(false)
                .or(needs::country.eq(c.to_owned())),
        ),
        None => q.filter(needs::confidential.eq(false)),
    };
    q.order(needs::id.asc())
        .limit(500)
        .select(NeedRow::as_select())
        .load(conn)
}

// ---- offers --------------------------------------------------------------------------------

/// An offer with the aggregate of its ratings.
#[derive(Debug, Clone)]
pub struct OfferRecord {
    pub row: OfferRow,
    pub ratings: (i64, Option<f64>),
    pub attachments: Vec<Attachment>,
}

fn ratings_of(
    conn: &mut DbConn,
    offer_ids: &[i64],
) -> QueryResult<HashMap<i64, (i64, Option<f64>)>> {
    let rows: Vec<(Option<i64>, i64, Option<f64>)> = co::table
        .filter(co::offer_id.eq_any(offer_ids))
        .filter(co::rating.is_not_null())
        .group_by(co::offer_id)
        .select((
            co::offer_id,
            count_star(),
            sql::<Nullable<Double>>("CAST(AVG(rating) AS DOUBLE PRECISION)"),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, n, avg)| id.map(|id| (id, (n, avg))))
        .collect())
}

fn offer_records(conn: &mut DbConn, rows: Vec<OfferRow>) -> QueryResult<Vec<OfferRecord>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let ratings = ratings_of(conn, &ids)?;
    let mut files = for_parents(conn, ParentType::Offer, &ids)?;
    Ok(rows
        .into_iter()
        .map(|row| OfferRecord {
            ratings: ratings.get(&row.id).copied().unwrap_or((0, None)),
            attachments: files.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect())
}

pub fn find_offer(conn: &mut DbConn, id: i64) -> QueryResult<Option<OfferRecord>> {
    let row = offers::table
        .find(id)
        .select(OfferRow::as_select())
        .first(conn)
        .optional()?;
    match row {
        Some(r) => Ok(offer_records(conn, vec![r])?.pop()),
        None => Ok(None),
    }
}

pub fn insert_offer(
    conn: &mut DbConn,
    values: &OfferValues,
    by: Option<i64>,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(offers::table)
        .values((
            values,
            offers::created_by.eq(by),
            offers::created_at.eq(now),
        ))
        .returning(offers::id)
        .get_result(conn)
}

pub fn update_offer(conn: &mut DbConn, id: i64, values: &OfferValues) -> QueryResult<usize> {
    diesel::update(offers::table.find(id))
        .set(values)
        .execute(conn)
}

/// Moves an offer to `status` with the next revision.
pub fn set_offer_status(
    conn: &mut DbConn,
    row: &OfferRow,
    status: OfferStatus,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(offers::table.find(row.id))
        .set((
            offers::status.eq(status),
            offers::revision.eq(row.revision + 1),
            offers::updated_at.eq(now),
        ))
        .execute(conn)
}

/// Up to `limit + 1` offers the viewer may see, newest first, before id `before`.
#[allow(clippy::too_many_arguments)]
pub fn list_offers(
    conn: &mut DbConn,
    viewer: &Viewer,
    filter: &BoardFilter,
    partner: Option<i64>,
    status: Option<OfferStatus>,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<OfferRecord>> {
    let mut q = offers::table.into_boxed();
    q = match viewer {
        Viewer::Secretariat => q,
        Viewer::Public { .. } => q.filter(offers::status.ne(OfferStatus::Draft)),
        Viewer::Country { code, .. } => q.filter(
            offers::status
                .ne(OfferStatus::Draft)
                .or(offers::country.eq(code.clone())),
        ),
    };
    if let Some(a) = &filter.thematic_area {
        q = q.filter(offers::thematic_area.eq(a.clone()));
    }
    if let Some(c) = &filter.country {
        q = q.filter(offers::country.eq(c.clone()));
    }
    if let Some(s) = &filter.subregion {
        q = q.filter(
            offers::country.eq_any(
                countries::table
                    .filter(countries::subregion.eq(s.clone()))
                    .select(countries::code.nullable()),
            ),
        );
    }
    if let Some(k) = filter.kind {
        q = q.filter(offers::kinds.like(format!("%\"{}\"%", k.as_str())));
    }
    if let Some(t) = filter.updated_since {
        q = q.filter(offers::updated_at.ge(t));
    }
    if let Some(ids) = &filter.matched {
        q = q.filter(offers::id.eq_any(ids.clone()));
    }
    if let Some(p) = partner {
        q = q.filter(offers::partner_id.eq(p));
    }
    if let Some(s) = status {
        q = q.filter(offers::status.eq(s));
    }
    if let Some(b) = before {
        q = q.filter(offers::id.lt(b));
    }
    let rows = q
        .order(offers::id.desc())
        .limit(limit + 1)
        .select(OfferRow::as_select())
        .load(conn)?;
    offer_records(conn, rows)
}

/// Open offers not of `country`, in `area` or among `ids`: candidates for a need's
/// suggestions (validity is checked by the caller, against today).
pub fn open_offers_for(
    conn: &mut DbConn,
    country: &str,
    area: &str,
    ids: &[i64],
) -> QueryResult<Vec<OfferRow>> {
    offers::table
        .filter(offers::status.eq(OfferStatus::Open))
        .filter(
            offers::country
                .ne(country.to_owned())
                .or(offers::country.is_null()),
        )
        .filter(
            offers::thematic_area
                .eq(area.to_owned())
                .or(offers::id.eq_any(ids.to_vec())),
        )
        .order(offers::id.asc())
        .limit(500)
        .select(OfferRow::as_select())
        .load(conn)
}

// ---- cooperations --------------------------------------------------------------------------

/// A cooperation with the need it serves.
#[derive(Debug, Clone)]
pub struct CooperationRecord {
    pub row: CooperationRow,
    pub need: NeedRow,
    pub attachments: Vec<Attachment>,
}

fn cooperation_records(
    conn: &mut DbConn,
    rows: Vec<(CooperationRow, NeedRow)>,
) -> QueryResult<Vec<CooperationRecord>> {
    let ids: Vec<i64> = rows.iter().map(|(r, _)| r.id).collect();
    let mut files = for_parents(conn, ParentType::Cooperation, &ids)?;
    Ok(rows
        .into_iter()
        .map(|(row, need)| CooperationRecord {
            attachments: files.remove(&row.id).unwrap_or_default(),
            row,
            need,
        })
        .collect())
}

pub fn find_cooperation(conn: &mut DbConn, id: i64) -> QueryResult<Option<CooperationRecord>> {
    let rows = co::table
        .inner_join(needs::table)
        .filter(co::id.eq(id))
        .select((CooperationRow::as_select(), NeedRow::as_select()))
        .load::<(CooperationRow, NeedRow)>(conn)?;
    Ok(cooperation_records(conn, rows)?.pop())
}

/// The need a cooperation serves, if the cooperation exists.
pub fn need_of_cooperation(conn: &mut DbConn, id: i64) -> QueryResult<Option<i64>> {
    co::table
        .find(id)
        .select(co::need_id)
        .first(conn)
        .optional()
}

pub fn insert_cooperation(conn: &mut DbConn, row: &NewCooperationRow) -> QueryResult<i64> {
    diesel::insert_into(co::table)
        .values(row)
        .returning(co::id)
        .get_result(conn)
}

pub fn update_cooperation(
    conn: &mut DbConn,
    id: i64,
    changes: &CooperationChanges,
) -> QueryResult<usize> {
    diesel::update(co::table.find(id))
        .set(changes)
        .execute(conn)
}

/// The cooperations of a need, oldest first.
pub fn cooperations_of_need(conn: &mut DbConn, need_id: i64) -> QueryResult<Vec<CooperationRow>> {
    co::table
        .filter(co::need_id.eq(need_id))
        .order(co::id.asc())
        .select(CooperationRow::as_select())
        .load(conn)
}

/// Up to `limit + 1` cooperations the viewer may see, newest first, before id `before`.
#[allow(clippy::too_many_arguments)]
pub fn list_cooperations(
    conn: &mut DbConn,
    viewer: &Viewer,
    filter: &BoardFilter,
    status: Option<CooperationStatus>,
    need: Option<i64>,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<CooperationRecord>> {
    let mut q = co::table.inner_join(needs::table).into_boxed();
    let public = co::agreed_at
        .is_not_null()
        .and(needs::confidential.eq(false));
    q = match viewer {
        Viewer::Secretariat => q,
        Viewer::Public { user: None } => q.filter(public),
        Viewer::Public { user: Some(u) } => q.filter(public.or(co::proposed_by.eq(*u))),
        Viewer::Country { code, .. } => q.filter(
            public
                .or(needs::country.eq(code.clone()))
                .or(co::provider_country.eq(code.clone())),
        ),
    };
    if let Some(a) = &filter.thematic_area {
        q = q.filter(needs::thematic_area.eq(a.clone()));
    }
    if let Some(c) = &filter.country {
        q = q.filter(
            needs::country
                .eq(c.clone())
                .or(co::provider_country.eq(c.clone())),
        );
    }
    if let Some(s) = &filter.subregion {
        q = q.filter(
            needs::country.eq_any(
                countries::table
                    .filter(countries::subregion.eq(s.clone()))
                    .select(countries::code),
            ),
        );
    }
    if let Some(k) = filter.kind {
        q = q.filter(needs::kind.eq(k));
    }
    if let Some(t) = filter.updated_since {
        q = q.filter(co::updated_at.ge(t));
    }
    if let Some(ids) = &filter.matched {
        q = q.filter(needs::id.eq_any(ids.clone()));
    }
    if let Some(s) = status {
        q = q.filter(co::status.eq(s));
    }
    if let Some(n) = need {
        q = q.filter(co::need_id.eq(n));
    }
    if let Some(b) = before {
        q = q.filter(co::id.lt(b));
    }
    let rows = q
        .order(co::id.desc())
        .limit(limit + 1)
        .select((CooperationRow::as_select(), NeedRow::as_select()))
        .load::<(CooperationRow, NeedRow)>(conn)?;
    cooperation_records(conn, rows)
}
