//! The cooperation cycle, the mechanism's purpose: what countries need to implement their
//! recommendations (needs), what countries and partner organisations can share (offers,
//! partners), suggestions that pair them, and cooperations followed from proposal to an
//! outcome that enters the recommendations' follow-up.

pub mod api;
pub mod common;
pub mod cooperation_actions;
pub mod cooperations;
pub mod exports;
pub mod links;
pub mod model;
mod need_actions;
pub mod needs;
pub mod offers;
mod partners;
pub mod rules;
pub mod search;
pub mod store;
pub mod suggestions;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(needs::list_needs)
        .service(needs::create_need)
        .service(needs::get_need)
        .service(needs::patch_need)
        .service(need_actions::open_need)
        .service(need_actions::withdraw_need)
        .service(need_actions::close_need)
        .service(suggestions::need_suggestions)
        .service(offers::list_offers)
        .service(offers::create_offer)
        .service(offers::get_offer)
        .service(offers::patch_offer)
        .service(offers::open_offer)
        .service(offers::close_offer)
        .service(suggestions::offer_suggestions)
        .service(partners::list_partners)
        .service(partners::create_partner)
        .service(partners::get_partner)
        .service(cooperations::list_cooperations)
        .service(cooperations::create_cooperation)
        .service(cooperations::get_cooperation)
        .service(cooperations::patch_cooperation)
        .service(cooperation_actions::agree_cooperation)
        .service(cooperation_actions::start_cooperation)
        .service(cooperation_actions::complete_cooperation)
        .service(cooperation_actions::cancel_cooperation)
        .service(suggestions::cooperation_map)
        .service(exports::export_needs)
        .service(exports::export_offers)
        .service(exports::export_cooperations);
}

/// Whether the caller may read the attachments of a need, an offer or a cooperation, or
/// attach to it (who may change it; a need while it is editable, an offer until closed, a
/// cooperation by its parties until it is cancelled — its outcome's evidence comes after it
/// is completed): the scope of the attachment's events. See [`crate::files::parents`].
pub fn attachment_scope(
    conn: &mut crate::db::DbConn,
    parent: crate::files::parents::ParentType,
    id: i64,
    p: Option<&crate::auth::Principal>,
    intent: crate::files::parents::Intent<'_>,
) -> crate::error::ApiResult<crate::events::Scope> {
    use crate::auth::policy;
    use crate::files::parents::{frozen, Intent, ParentType};
    use crate::lifecycle::Subject;
    let change = matches!(intent, Intent::Change { .. });
    match parent {
        ParentType::Need => {
            let r = needs::load(conn, id, p)?;
            if change {
                policy::write_need(p, &common::need_facts(&r, p))?;
                if !rules::need_editable(r.row.status) {
                    return Err(frozen("need", r.row.status.as_str()));
                }
            }
            Ok(needs::need_scope(&r.row))
        }
        ParentType::Offer => {
            let r = offers::load(conn, id, p)?;
            if change {
                policy::write_offer(p, &offers::facts(&r.row))?;
                if r.row.status == rules::OfferStatus::Closed {
                    return Err(frozen("offer", r.row.status.as_str()));
                }
            }
            Ok(Subject::<rules::OfferAction>::scope(&r))
        }
        _ => {
            let r = cooperations::load(conn, id, p)?;
            if change {
                policy::act_on_cooperation(p, &cooperations::facts(&r, p))?;
                if r.row.status == rules::CooperationStatus::Cancelled {
                    return Err(frozen("cooperation", r.row.status.as_str()));
                }
            }
            Ok(Subject::<rules::CooperationAction>::scope(&r))
        }
    }
}
