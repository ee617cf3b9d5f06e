//! What files are attached to, and who may read or attach there: each parent answers through
//! its own slice's loader and the policy, so a file is visible exactly as what it is attached
//! to is, and only those who may change a parent attach to it.

use crate::auth::Principal;
use crate::db::dialect::{self, Bind, Sql};
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::events::Scope;

crate::stored_enum! {
    /// What a file is attached to. `answer` is an answer's evidence: the parent is the
    /// response, and the attachment names the question.
    pub enum ParentType {
        Answer = "answer",
        Experience = "experience",
        Followup = "followup",
        Report = "report",
        Cooperation = "cooperation",
        Need = "need",
        Offer = "offer",
        Document = "document",
    }
}

impl ParentType {
    /// The table of the entity the parent's reads show the attachment in: its revision
    /// moves with each attachment, so ETags and `If-Match` see the change.
    pub fn table(self) -> &'static str {
        match self {
            ParentType::Answer => "responses",
            ParentType::Experience => "experiences",
            ParentType::Followup => "recommendations",
            ParentType::Report => "reports",
            ParentType::Cooperation => "cooperations",
            ParentType::Need => "needs",
            ParentType::Offer => "offers",
            ParentType::Document => "documents",
        }
    }

    /// The entity name events and audit rows use for the parent.
    pub fn entity(self) -> &'static str {
        match self {
            ParentType::Answer => "response",
            ParentType::Followup => "recommendation",
            other => other.as_str(),
        }
    }
}

/// What attaching to a parent touches: its scope (who reads the attachment's events) and the
/// entity its audit rows and events are about.
pub struct Target {
    pub scope: Scope,
    pub entity: &'static str,
    pub entity_id: i64,
    pub table: &'static str,
}

impl Target {
    /// Moves the entity's revision: its representation now shows another attachment list.
    pub fn touch(&self, conn: &mut DbConn) -> diesel::QueryResult<()> {
        let mut sql = Sql::new(&format!(
            "UPDATE {} SET revision = revision + 1, updated_at = ",
            self.table
        ));
        sql.bind(Bind::Timestamp(crate::time::now()))
            .push(" WHERE id = ")
            .bind(Bind::BigInt(self.entity_id));
        dialect::execute(conn, &sql).map(|_| ())
    }
}

/// The caller's access to one parent, as its slice decides it.
#[derive(Debug, Clone, Copy)]
pub enum Intent<'a> {
    /// Read it (404 when the caller may not).
    Read,
    /// Attach to it or remove from it (403 when the caller may see it but not change it, 409
    /// when it can no longer change, 422 when `question` is wrong for it).
    Change { question: Option<&'a str> },
}

/// 404 unless the caller may read the parent.
/// 404 unless the caller may read the parent (for a document, the version `slot` names).
pub fn readable(
    conn: &mut DbConn,
    p: Option<&Principal>,
    parent: ParentType,
    id: i64,
    slot: &str,
) -> ApiResult<()> {
    if parent == ParentType::Document {
        return crate::documents::shown::file_readable(conn, id, slot, p);
    }
    access(conn, p, parent, id, Intent::Read).map(|_| ())
}

/// The parent as the caller may attach to it.
pub fn writable(
    conn: &mut DbConn,
    p: &Principal,
    parent: ParentType,
    id: i64,
    question: Option<&str>,
) -> ApiResult<Target> {
    if parent == ParentType::Document {
        return Err(ApiError::validation(vec![crate::error::FieldError::new(
            "parent_type",
            "use-documents",
            "a document's files are given with the document (`files` of POST or PATCH /documents)",
        )]));
    }
    if parent != ParentType::Answer && question.is_some() {
        return Err(ApiError::validation(vec![crate::error::FieldError::new(
            "question",
            "not-allowed",
            "only an answer's evidence names a question",
        )]));
    }
    access(conn, Some(p), parent, id, Intent::Change { question })
}

fn access(
    conn: &mut DbConn,
    p: Option<&Principal>,
    parent: ParentType,
    id: i64,
    intent: Intent<'_>,
) -> ApiResult<Target> {
    let (scope, entity_id) = match parent {
        ParentType::Answer => (crate::responses::attachment_scope(conn, id, p, intent)?, id),
        ParentType::Experience => (
            crate::experiences::attachment_scope(conn, id, p, intent)?,
            id,
        ),
        ParentType::Followup => crate::reports::followup_attachment_scope(conn, id, p, intent)?,
        ParentType::Report => (crate::reports::attachment_scope(conn, id, p, intent)?, id),
        ParentType::Cooperation | ParentType::Need | ParentType::Offer => (
            crate::cooperation::attachment_scope(conn, parent, id, p, intent)?,
            id,
        ),
        // A document's files are read by version (`readable`) and written with the document.
        ParentType::Document => return Err(ApiError::not_found(format!("no document {id}"))),
    };
    Ok(Target {
        scope,
        entity: parent.entity(),
        entity_id,
        table: parent.table(),
    })
}

/// 409 for a change to a parent that can no longer change.
pub fn frozen(what: &str, status: &str) -> ApiError {
    ApiError::conflict(
        "parent-frozen",
        format!("the {what} is {status}: nothing can be attached to it or removed from it now"),
        vec![],
    )
}
