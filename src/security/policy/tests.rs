//! Every rule of the policy against every kind of caller.

use super::*;
use actix_web::ResponseError;

/// The callers every row is checked against. Countries: the resource belongs to ARG.
fn callers() -> [(&'static str, Option<Principal>); 6] {
    let p = |role, country: Option<&str>| {
        Some(Principal {
            user_id: 1,
            role,
            country: country.map(str::to_owned),
            client_id: None,
        })
    };
    [
        ("anonymous", None),
        ("member ARG", p(Role::MemberCountry, Some("ARG"))),
        ("member BRA", p(Role::MemberCountry, Some("BRA"))),
        ("expert ARG", p(Role::Expert, Some("ARG"))),
        ("expert BRA", p(Role::Expert, Some("BRA"))),
        ("secretariat", p(Role::Secretariat, None)),
    ]
}

fn code(r: Result<(), ApiError>) -> u16 {
    match r {
        Ok(()) => 200,
        Err(e) => e.status_code().as_u16(),
    }
}

type Check = fn(Option<&Principal>) -> Result<(), ApiError>;

/// ARG's draft country report, with BRA's experts assigned to review it.
fn arg_draft_bra_assigned(p: Option<&Principal>) -> ReportFacts<'static> {
    ReportFacts {
        kind: ReportKind::Country,
        country: Some("ARG"),
        published: false,
        caller_assigned: p.is_some_and(|p| p.is(Role::Expert) && p.of_country("BRA")),
    }
}

/// Each row of DESIGN §1's table, with the outcome expected for each caller in the order of
/// `callers()`: anonymous, member ARG, member BRA, expert ARG, expert BRA, secretariat.
fn rows() -> Vec<(&'static str, Check, [u16; 6])> {
    vec![
        (
            "read countries, areas, rounds",
            |p| read_reference(p),
            [200, 200, 200, 200, 200, 200],
        ),
        (
            "read a published questionnaire",
            |p| read_questionnaire(p, false),
            [200, 200, 200, 200, 200, 200],
        ),
        (
            "read a draft questionnaire",
            |p| read_questionnaire(p, true),
            [404, 404, 404, 404, 404, 200],
        ),
        (
            "edit reference data",
            |p| edit_reference(p),
            [401, 403, 403, 403, 403, 200],
        ),
        (
            "read a published experience",
            |p| {
                read_experience(
                    p,
                    &ExperienceFacts {
                        country: "ARG",
                        has_published_version: true,
                    },
                )
            },
            [200, 200, 200, 200, 200, 200],
        ),
        (
            "read a draft experience",
            |p| {
                read_experience(
                    p,
                    &ExperienceFacts {
                        country: "ARG",
                        has_published_version: false,
                    },
                )
            },
            [404, 200, 404, 404, 404, 200],
        ),
        (
            "create an experience (ARG)",
            |p| create_experience(p, "ARG"),
            [401, 200, 403, 403, 403, 200],
        ),
        (
            "edit a draft experience",
            |p| {
                edit_experience(
                    p,
                    &ExperienceFacts {
                        country: "ARG",
                        has_published_version: false,
                    },
                )
            },
            [401, 200, 404, 404, 404, 200],
        ),
        (
            "edit a published experience",
            |p| {
                edit_experience(
                    p,
                    &ExperienceFacts {
                        country: "ARG",
                        has_published_version: true,
                    },
                )
            },
            [401, 200, 403, 403, 403, 200],
        ),
        (
            "publish/archive a draft experience",
            |p| {
                publish_experience(
                    p,
                    &ExperienceFacts {
                        country: "ARG",
                        has_published_version: false,
                    },
                )
            },
            [401, 403, 404, 404, 404, 200],
        ),
        (
            "publish/archive a published experience",
            |p| {
                publish_experience(
                    p,
                    &ExperienceFacts {
                        country: "ARG",
                        has_published_version: true,
                    },
                )
            },
            [401, 403, 403, 403, 403, 200],
        ),
        (
            "manage rounds, participants, questionnaires",
            |p| manage_rounds(p),
            [401, 403, 403, 403, 403, 200],
        ),
        (
            "write a draft response",
            |p| {
                write_response(
                    p,
                    &ResponseFacts {
                        country: "ARG",
                        state: ResponseState::Draft,
                        public_after_conclusion: false,
                    },
                )
            },
            [401, 200, 404, 404, 404, 200],
        ),
        (
            "write a submitted response",
            |p| {
                write_response(
                    p,
                    &ResponseFacts {
                        country: "ARG",
                        state: ResponseState::Submitted,
                        public_after_conclusion: false,
                    },
                )
            },
            [401, 200, 404, 403, 403, 200],
        ),
        (
            "read a draft response",
            |p| {
                read_response(
                    p,
                    &ResponseFacts {
                        country: "ARG",
                        state: ResponseState::Draft,
                        public_after_conclusion: false,
                    },
                )
            },
            [404, 200, 404, 404, 404, 200],
        ),
        (
            "read a submitted response",
            |p| {
                read_response(
                    p,
                    &ResponseFacts {
                        country: "ARG",
                        state: ResponseState::Submitted,
                        public_after_conclusion: false,
                    },
                )
            },
            [404, 200, 404, 200, 200, 200],
        ),
        (
            "read a returned response",
            |p| {
                read_response(
                    p,
                    &ResponseFacts {
                        country: "ARG",
                        state: ResponseState::Returned,
                        public_after_conclusion: true,
                    },
                )
            },
            [404, 200, 404, 200, 200, 200],
        ),
        (
            "read an accepted response, confidential round",
            |p| {
                read_response(
                    p,
                    &ResponseFacts {
                        country: "ARG",
                        state: ResponseState::Accepted,
                        public_after_conclusion: false,
                    },
                )
            },
            [404, 200, 404, 200, 200, 200],
        ),
        (
            "read an accepted response, published after conclusion",
            |p| {
                read_response(
                    p,
                    &ResponseFacts {
                        country: "ARG",
                        state: ResponseState::Accepted,
                        public_after_conclusion: true,
                    },
                )
            },
            [200, 200, 200, 200, 200, 200],
        ),
        (
            "return/accept a submitted response",
            |p| {
                decide_response(
                    p,
                    &ResponseFacts {
                        country: "ARG",
                        state: ResponseState::Submitted,
                        public_after_conclusion: false,
                    },
                )
            },
            [401, 403, 404, 403, 403, 200],
        ),
        (
            "read a draft country report, ARG's experts not assigned",
            |p| {
                read_report(
                    p,
                    &ReportFacts {
                        kind: ReportKind::Country,
                        country: Some("ARG"),
                        published: false,
                        caller_assigned: false,
                    },
                )
            },
            [404, 200, 404, 404, 404, 200],
        ),
        (
            "read a draft country report, caller assigned",
            |p| read_report(p, &arg_draft_bra_assigned(p)),
            [404, 200, 404, 404, 200, 200],
        ),
        (
            "read a draft hemispheric report",
            |p| {
                read_report(
                    p,
                    &ReportFacts {
                        kind: ReportKind::Hemispheric,
                        country: None,
                        published: false,
                        caller_assigned: false,
                    },
                )
            },
            [404, 404, 404, 200, 200, 200],
        ),
        (
            "read a published report",
            |p| {
                read_report(
                    p,
                    &ReportFacts {
                        kind: ReportKind::Country,
                        country: Some("ARG"),
                        published: true,
                        caller_assigned: false,
                    },
                )
            },
            [200, 200, 200, 200, 200, 200],
        ),
        (
            "draft a country report (BRA's expert assigned)",
            |p| draft_report(p, &arg_draft_bra_assigned(p)),
            [401, 403, 404, 404, 200, 200],
        ),
        (
            "comment on a draft country report (BRA's expert assigned)",
            |p| comment_report(p, &arg_draft_bra_assigned(p)),
            [401, 200, 404, 404, 200, 200],
        ),
        (
            "adopt/publish a draft country report",
            |p| {
                adopt_or_publish_report(
                    p,
                    &ReportFacts {
                        kind: ReportKind::Country,
                        country: Some("ARG"),
                        published: false,
                        caller_assigned: false,
                    },
                )
            },
            [401, 403, 404, 404, 404, 200],
        ),
        (
            "update recommendation follow-up (ARG)",
            |p| update_followup(p, "ARG"),
            [401, 200, 403, 403, 403, 200],
        ),
        (
            "manage users",
            |p| manage_users(p),
            [401, 403, 403, 403, 403, 200],
        ),
        (
            "manage own machine clients",
            |p| manage_own_clients(p),
            [401, 200, 200, 403, 403, 200],
        ),
        (
            "read the audit log",
            |p| read_audit_log(p),
            [401, 403, 403, 403, 403, 200],
        ),
    ]
}

#[test]
fn every_row_of_the_design_table_for_every_caller() {
    let callers = callers();
    let mut failures = Vec::new();
    for (row, check, expected) in rows() {
        for ((who, p), want) in callers.iter().zip(expected) {
            let got = code(check(p.as_ref()));
            if got != want {
                failures.push(format!("{row} / {who}: expected {want}, got {got}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "policy disagrees with DESIGN:\n{}",
        failures.join("\n")
    );
}
