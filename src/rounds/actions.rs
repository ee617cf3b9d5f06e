//! A round's lifecycle actions: open, review, conclude, cancel (`POST /rounds/{id}/<action>`).

use actix_web::{post, web, HttpRequest, HttpResponse};

use super::api::Round;
use super::model::RoundChanges;
use super::routes::{load, respond};
use super::rules::{self, RoundAction, RoundStatus};
use super::store::{self, RoundRecord};
use crate::audit::AuditCtx;
use crate::auth::{policy, Principal};
use crate::db::{self};
use crate::error::{ApiError, ApiResult};
use crate::events::Scope;
use crate::http::etag;
use crate::http::lang::LangPref;
use crate::lifecycle::{self, Action, Standing, Subject};
use crate::state::AppState;

impl Subject<RoundAction> for RoundRecord {
    fn standing(&self) -> Standing<RoundStatus> {
        Standing {
            status: self.row.status,
            revision: self.row.revision,
        }
    }

    fn scope(&self) -> Scope {
        Scope::public(None).in_round(self.row.id)
    }
}

async fn transition(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: i64,
    action: RoundAction,
    pref: LangPref,
) -> ApiResult<HttpResponse> {
    policy::manage_rounds(Some(&principal))?;
    let audit = AuditCtx::new(&req, Some(&principal))?;
    let if_match = etag::if_match_values(&req);
    let record = db::run_tx(&state.pool, move |conn| {
        let act = Action {
            table: "rounds",
            entity: "round",
            id,
            action,
            if_match: if_match.as_deref(),
            audit: &audit,
        };
        lifecycle::act(
            conn,
            act,
            |conn| load(conn, id),
            |_| Ok(()),
            |conn, current, next| {
                match action {
                    RoundAction::Open => {
                        let published = store::has_published_questionnaire(conn, id)?;
                        let participants = store::participant_count(conn, id)? as usize;
                        rules::check_open(published, participants).map_err(|unmet| {
                            ApiError::conflict(
                                "round-not-ready",
                                "the round cannot open yet",
                                unmet,
                            )
                        })?;
                    }
                    RoundAction::Conclude => {
                        let adopted = store::hemispheric_adopted(conn, id)?;
                        rules::check_conclude(Some(adopted)).map_err(|unmet| {
                            ApiError::conflict(
                                "round-not-ready",
                                "the round cannot conclude yet",
                                unmet,
                            )
                        })?;
                    }
                    RoundAction::Review | RoundAction::Cancel => {}
                }
                store::update(
                    conn,
                    id,
                    &RoundChanges {
                        status: Some(next),
                        revision: Some(current.row.revision + 1),
                        updated_at: Some(crate::time::now()),
                        ..RoundChanges::default()
                    },
                )?;
                Ok(Default::default())
            },
        )
    })
    .await?;
    respond(&req, record, pref)
}

macro_rules! transition_endpoint {
    ($name:ident, $path:literal, $action:expr, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(
            tag = "rounds",
            security(("bearer" = [])),
            params(("id" = i64, Path, description = "The round's id")),
            responses(
                (status = 200, description = "The round in its new status", body = Round),
                (status = 404, description = "No such round", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 409, description = "Not allowed from the current status (the problem lists `allowed`), or a condition is unmet (`reasons`)", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
            )
        )]
        #[post($path)]
        pub async fn $name(
            req: HttpRequest,
            state: web::Data<AppState>,
            principal: Principal,
            id: web::Path<i64>,
            pref: LangPref,
        ) -> ApiResult<HttpResponse> {
            transition(req, state, principal, id.into_inner(), $action, pref).await
        }
    };
}

transition_endpoint!(open_round, "/rounds/{id}/open", RoundAction::Open,
    "Open the round for responses (secretariat): needs a published questionnaire and two participants.");
transition_endpoint!(
    review_round,
    "/rounds/{id}/review",
    RoundAction::Review,
    "Close responses and start the review (secretariat)."
);
transition_endpoint!(
    conclude_round,
    "/rounds/{id}/conclude",
    RoundAction::Conclude,
    "Conclude the round (secretariat) once its hemispheric report is adopted."
);
transition_endpoint!(
    cancel_round,
    "/rounds/{id}/cancel",
    RoundAction::Cancel,
    "Cancel a planned round (secretariat)."
);
