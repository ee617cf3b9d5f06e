//! Civil society's written input on a country's review: the window a round opens for it,
//! inputs registered by the secretariat and screened, read by the assigned experts and the
//! reviewed country (which may reply), and published with the country report when the round
//! says so.

pub mod actions;
pub mod api;
pub mod routes;
pub mod store;

use crate::lifecycle::Lifecycle;
pub use crate::statuses::CivilSocietyStatus;

/// Screening: the secretariat accepts or rejects a submitted input, once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScreeningAction {
    Accept,
    Reject,
}

impl Lifecycle for ScreeningAction {
    type Status = CivilSocietyStatus;
    const ALL: &'static [ScreeningAction] = &[ScreeningAction::Accept, ScreeningAction::Reject];

    fn name(self) -> &'static str {
        match self {
            ScreeningAction::Accept => "accept",
            ScreeningAction::Reject => "reject",
        }
    }

    fn event(self) -> &'static str {
        match self {
            ScreeningAction::Accept => "accepted",
            ScreeningAction::Reject => "rejected",
        }
    }

    fn from(self) -> &'static [CivilSocietyStatus] {
        &[CivilSocietyStatus::Submitted]
    }

    fn to(self) -> CivilSocietyStatus {
        match self {
            ScreeningAction::Accept => CivilSocietyStatus::Accepted,
            ScreeningAction::Reject => CivilSocietyStatus::Rejected,
        }
    }

    fn status_name(status: CivilSocietyStatus) -> &'static str {
        status.as_str()
    }
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(routes::get_window)
        .service(routes::put_window)
        .service(routes::list_inputs)
        .service(routes::create_input)
        .service(routes::get_input)
        .service(actions::accept_input)
        .service(actions::reject_input)
        .service(actions::reply_to_input);
}
