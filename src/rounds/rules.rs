//! The round's state machine and schedule rules. No I/O.

use chrono::NaiveDate;

use crate::http::validate::Checks;
use crate::lifecycle::Lifecycle;
pub use crate::statuses::RoundStatus;

crate::stored_enum! {
    /// Whether accepted responses become public once the round concludes.
    pub enum ResponsePublication {
        PublicAfterConclusion = "public_after_conclusion",
        Confidential = "confidential",
    }
}

/// A lifecycle action (`POST /rounds/{id}/<action>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundAction {
    Open,
    Review,
    Conclude,
    Cancel,
}

impl Lifecycle for RoundAction {
    type Status = RoundStatus;
    const ALL: &'static [RoundAction] = &[
        RoundAction::Open,
        RoundAction::Review,
        RoundAction::Conclude,
        RoundAction::Cancel,
    ];

    fn event(self) -> &'static str {
        match self {
            RoundAction::Open => "opened",
            RoundAction::Review => "in_review",
            RoundAction::Conclude => "concluded",
            RoundAction::Cancel => "cancelled",
        }
    }

    fn name(self) -> &'static str {
        match self {
            RoundAction::Open => "open",
            RoundAction::Review => "review",
            RoundAction::Conclude => "conclude",
            RoundAction::Cancel => "cancel",
        }
    }

    fn from(self) -> &'static [RoundStatus] {
        match self {
            RoundAction::Open | RoundAction::Cancel => &[RoundStatus::Planned],
            RoundAction::Review => &[RoundStatus::Open],
            RoundAction::Conclude => &[RoundStatus::InReview],
        }
    }

    fn to(self) -> RoundStatus {
        match self {
            RoundAction::Open => RoundStatus::Open,
            RoundAction::Review => RoundStatus::InReview,
            RoundAction::Conclude => RoundStatus::Concluded,
            RoundAction::Cancel => RoundStatus::Cancelled,
        }
    }

    fn status_name(status: RoundStatus) -> &'static str {
        status.as_str()
    }
}

/// What opening a round needs; every unmet condition is reported.
pub fn check_open(
    has_published_questionnaire: bool,
    participants: usize,
) -> Result<(), Vec<String>> {
    let mut unmet = Vec::new();
    if !has_published_questionnaire {
        unmet.push("the round needs a published questionnaire".to_owned());
    }
    if participants < 2 {
        unmet.push(format!(
            "the round needs at least 2 participants (it has {participants})"
        ));
    }
    if unmet.is_empty() {
        Ok(())
    } else {
        Err(unmet)
    }
}

/// The hook for concluding: a round concludes once its hemispheric report is adopted. `None`
/// means the deployment tracks no reports for the round, which cannot block it.
pub fn check_conclude(hemispheric_report_adopted: Option<bool>) -> Result<(), Vec<String>> {
    match hemispheric_report_adopted {
        Some(false) => Err(vec![
            "the hemispheric report of the round must be adopted first".into(),
        ]),
        _ => Ok(()),
    }
}

/// `starts_on ≤ responses_due_on ≤ ends_on`.
pub fn check_schedule(checks: &mut Checks, starts: NaiveDate, due: NaiveDate, ends: NaiveDate) {
    if due < starts {
        checks.add("responses_due_on", "order", "must not be before starts_on");
    }
    if ends < due {
        checks.add("ends_on", "order", "must not be before responses_due_on");
    }
}

/// Fields each status lets the secretariat change.
pub fn may_change(status: RoundStatus, field: &str) -> bool {
    match status {
        RoundStatus::Planned => true,
        // Once countries answer, the subject and the reviewers' number are fixed; the texts
        // and the end of the schedule may still move (recorded in the audit log).
        RoundStatus::Open => matches!(
            field,
            "title" | "description" | "responses_due_on" | "ends_on" | "response_publication"
        ),
        RoundStatus::InReview => matches!(
            field,
            "title" | "description" | "ends_on" | "response_publication"
        ),
        RoundStatus::Concluded | RoundStatus::Cancelled => false,
    }
}

/// A participant's extension must extend: after the round's due date, not after its end.
pub fn check_extension(checks: &mut Checks, extension: NaiveDate, due: NaiveDate, ends: NaiveDate) {
    if extension <= due {
        checks.add(
            "due_on_extension",
            "order",
            format!("must be after the round's due date ({due})"),
        );
    }
    if extension > ends {
        checks.add(
            "due_on_extension",
            "order",
            format!("must not be after the round's end ({ends})"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::{allowed, transition};
    use RoundAction as A;
    use RoundStatus as S;

    #[test]
    fn every_transition_legal_and_illegal() {
        let legal = [
            (S::Planned, A::Open, S::Open),
            (S::Open, A::Review, S::InReview),
            (S::InReview, A::Conclude, S::Concluded),
            (S::Planned, A::Cancel, S::Cancelled),
        ];
        for s in RoundStatus::ALL {
            for &a in RoundAction::ALL {
                let expected = legal
                    .iter()
                    .find(|(f, x, _)| *f == s && *x == a)
                    .map(|l| l.2);
                match (transition(s, a), expected) {
                    (Ok(to), Some(e)) => assert_eq!(to, e),
                    (Err(_), None) => {}
                    (got, want) => panic!("{s:?} --{a:?}--> {got:?}, expected {want:?}"),
                }
            }
        }
        assert!(allowed::<A>(S::Concluded).is_empty() && allowed::<A>(S::Cancelled).is_empty());
        assert_eq!(allowed::<A>(S::Planned), ["open", "cancel"]);
    }

    #[test]
    fn opening_needs_questionnaire_and_two_participants() {
        assert!(check_open(true, 2).is_ok());
        assert_eq!(check_open(false, 1).unwrap_err().len(), 2);
        assert_eq!(check_open(true, 1).unwrap_err().len(), 1);
    }

    #[test]
    fn conclusion_hook() {
        assert!(check_conclude(None).is_ok());
        assert!(check_conclude(Some(true)).is_ok());
        assert!(check_conclude(Some(false)).is_err());
    }
}
