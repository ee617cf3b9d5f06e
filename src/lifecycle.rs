//! One lifecycle for every resource that has one (experiences, rounds, questionnaires,
//! responses, reports).
//!
//! A resource declares its state machine once, as an action enum implementing [`Lifecycle`]:
//! the statuses each action leaves from and the status it leads to. From that declaration
//! come the `allowed_actions` of its reads ([`allowed`]) and the 409 `invalid-transition`
//! with `current_status` and `allowed` ([`transition`]). Every action endpoint runs through
//! [`act`]: row lock, load (404), who may take it (403), the transition (409), `If-Match`
//! (412), what the action requires and does (the resource's own `apply`), one audit row
//! `<entity>.<action>` with `from`, `to` and what `apply` adds, the resource read again for
//! the answer and its ETag, and one event `<entity>.<event>` (`response.returned`) with
//! `from`, `to` and the reason, readable by whom the resource's [`Subject::scope`] names.

use serde_json::{Map, Value};

use crate::audit::AuditCtx;
use crate::db::{self, DbConn};
use crate::error::{ApiError, ApiResult};
use crate::events::{self, Event, Scope};
use crate::http::etag;

/// A resource's state machine, declared on its action enum.
pub trait Lifecycle: Copy + PartialEq + 'static {
    type Status: Copy + PartialEq + 'static;
    /// Every action, in the order `allowed_actions` lists them.
    const ALL: &'static [Self];
    /// The action's name: its path segment, its audit suffix, its entry in `allowed`.
    fn name(self) -> &'static str;
    /// What happened, as the event's suffix (`returned`).
    fn event(self) -> &'static str;
    /// The statuses the action may be taken from.
    fn from(self) -> &'static [Self::Status];
    /// The status the action leads to.
    fn to(self) -> Self::Status;
    /// A status's wire name.
    fn status_name(status: Self::Status) -> &'static str;
}

/// The actions `status` allows, in declaration order.
pub fn allowed<A: Lifecycle>(status: A::Status) -> Vec<&'static str> {
    A::ALL
        .iter()
        .filter(|a| a.from().contains(&status))
        .map(|a| a.name())
        .collect()
}

/// The status `action` leads to from `status`, or the 409 `invalid-transition` that names the
/// current status and what it allows.
pub fn transition<A: Lifecycle>(status: A::Status, action: A) -> ApiResult<A::Status> {
    if action.from().contains(&status) {
        Ok(action.to())
    } else {
        Err(ApiError::invalid_transition(
            A::status_name(status),
            action.name(),
            &allowed::<A>(status),
        ))
    }
}

/// Where a loaded resource stands: what [`act`] checks the action and `If-Match` against.
#[derive(Debug, Clone, Copy)]
pub struct Standing<S> {
    pub status: S,
    pub revision: i32,
}

/// One action on one resource, as the endpoint received it.
pub struct Action<'a, A> {
    /// The resource's table: its row is locked for the transaction.
    pub table: &'static str,
    /// The entity's name in ETags and audit rows (`"round"`).
    pub entity: &'static str,
    pub id: i64,
    pub action: A,
    pub if_match: Option<&'a str>,
    pub audit: &'a AuditCtx,
}

/// A loaded resource with a lifecycle.
pub trait Subject<A: Lifecycle> {
    fn standing(&self) -> Standing<A::Status>;
    /// Whom the resource, as it now stands, concerns and who may read it: the scope of the
    /// event its actions emit.
    fn scope(&self) -> Scope;
}

/// Runs one lifecycle action inside the caller's write transaction (see the module's
/// documentation). `load` reads the resource (404 when it does not exist or the caller may not
/// see it); `authorize` answers 403 for a caller who may not take the action; `apply` checks
/// what the action requires, writes the new status with the next revision and returns what the
/// audit row adds to `from` and `to`. Returns the resource as it now stands.
pub fn act<A: Lifecycle, L: Subject<A>>(
    conn: &mut DbConn,
    a: Action<'_, A>,
    load: impl Fn(&mut DbConn) -> ApiResult<L>,
    authorize: impl FnOnce(&L) -> ApiResult<()>,
    apply: impl FnOnce(&mut DbConn, &L, A::Status) -> ApiResult<Map<String, Value>>,
) -> ApiResult<L> {
    db::lock_id(conn, a.table, a.id)?;
    let loaded = load(conn)?;
    authorize(&loaded)?;
    let Standing { status, revision } = loaded.standing();
    let next = transition(status, a.action)?;
    etag::check_revision(a.if_match, etag::Entity(a.entity, a.id), revision)?;
    let mut summary = Map::new();
    summary.insert("from".into(), A::status_name(status).into());
    summary.insert("to".into(), A::status_name(next).into());
    summary.extend(apply(conn, &loaded, next)?);
    let mut payload = Map::new();
    // What the event says of the action: the move, its reason, and what it ended with it
    // (a withdrawn need's cancelled cooperations); not the rest of the audit summary.
    for key in ["from", "to", "reason", "cancelled_cooperations"] {
        if let Some(v) = summary.get(key) {
            payload.insert(key.into(), v.clone());
        }
    }
    a.audit.record(
        conn,
        &format!("{}.{}", a.entity, a.action.name()),
        a.entity,
        a.id,
        Value::Object(summary),
    )?;
    let now = load(conn)?;
    let reached = now.standing().status;
    // An action recorded without reaching its status yet (one side of two agreeing) is an
    // update of the entity, its status unchanged.
    let event_type = if reached == next {
        format!("{}.{}", a.entity, a.action.event())
    } else {
        payload.insert("action".into(), a.action.name().into());
        payload.insert("to".into(), A::status_name(reached).into());
        format!("{}.updated", a.entity)
    };
    events::emit(
        conn,
        a.audit,
        Event {
            event_type: &event_type,
            entity_type: a.entity,
            entity_id: a.id.to_string(),
            scope: now.scope(),
            payload: Value::Object(payload),
        },
    )?;
    Ok(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum S {
        A,
        B,
        C,
    }

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Go {
        Forth,
        Back,
        End,
    }

    impl Lifecycle for Go {
        type Status = S;
        const ALL: &'static [Go] = &[Go::Forth, Go::Back, Go::End];
        fn name(self) -> &'static str {
            match self {
                Go::Forth => "forth",
                Go::Back => "back",
                Go::End => "end",
            }
        }
        fn event(self) -> &'static str {
            match self {
                Go::Forth => "went_forth",
                Go::Back => "went_back",
                Go::End => "ended",
            }
        }
        fn from(self) -> &'static [S] {
            match self {
                Go::Forth => &[S::A],
                Go::Back => &[S::B],
                Go::End => &[S::A, S::B],
            }
        }
        fn to(self) -> S {
            match self {
                Go::Forth => S::B,
                Go::Back => S::A,
                Go::End => S::C,
            }
        }
        fn status_name(s: S) -> &'static str {
            match s {
                S::A => "a",
                S::B => "b",
                S::C => "c",
            }
        }
    }

    #[test]
    fn allowed_and_transitions_come_from_the_declaration() {
        assert_eq!(allowed::<Go>(S::A), ["forth", "end"]);
        assert_eq!(allowed::<Go>(S::B), ["back", "end"]);
        assert!(allowed::<Go>(S::C).is_empty());
        assert_eq!(transition(S::A, Go::Forth).unwrap(), S::B);
        assert_eq!(transition(S::B, Go::End).unwrap(), S::C);
        match transition(S::B, Go::Forth) {
            Err(ApiError::Conflict {
                slug, extensions, ..
            }) => {
                assert_eq!(slug, "invalid-transition");
                assert_eq!(extensions["current_status"], "b");
                assert_eq!(extensions["allowed"], serde_json::json!(["back", "end"]));
            }
            other => panic!("{other:?}"),
        }
        assert!(transition(S::C, Go::Back).is_err());
    }
}
