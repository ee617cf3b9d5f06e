//! Wire types of files and attachments, with their OpenAPI schemas.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::parents::ParentType;

/// An uploaded file: what it is, not its bytes (`download` fetches them).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct File {
    pub id: i64,
    /// The name it was uploaded with, without any path and control characters.
    #[schema(example = "Ley 27.275 - Acceso a la información pública.pdf")]
    pub name: String,
    /// Bytes.
    #[schema(example = 482113)]
    pub size: i64,
    /// The type read from the content (never the one declared).
    #[schema(example = "application/pdf")]
    pub media_type: String,
    /// SHA-256 of the content, lower-case hex: also its strong ETag.
    #[schema(example = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")]
    pub sha256: String,
    /// Where to download it.
    #[schema(example = "/api/v1/files/42")]
    pub download: String,
    pub created_at: DateTime<Utc>,
    /// Whether it is attached anywhere; an upload attached nowhere is removed 24 hours after
    /// it was made.
    pub attached: bool,
}

/// A file attached to what it is evidence of or an annex to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Attachment {
    pub id: i64,
    pub parent_type: ParentType,
    pub parent_id: i64,
    /// The question of an answer's evidence; `null` for other parents.
    #[schema(example = "B.2.1")]
    pub question: Option<String>,
    #[schema(example = "Text of the law as published in the Official Gazette")]
    pub caption: String,
    pub file: File,
    pub attached_at: DateTime<Utc>,
}

/// Attach an uploaded file. `parent_type` and `parent_id` name what it is attached to; for an
/// answer's evidence the parent is the response and `question` the question's code.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"file": 42, "parent_type": "answer", "parent_id": 7, "question": "B.2.1", "caption": "Decree 1/2026"}))]
pub struct NewAttachment {
    /// The uploaded file's id: one the caller uploaded, or one already attached where the
    /// caller may read it.
    pub file: i64,
    pub parent_type: ParentType,
    pub parent_id: i64,
    /// For `answer` only: the question the file is evidence for.
    #[schema(max_length = 50)]
    pub question: Option<String>,
    /// Up to 500 characters.
    #[schema(max_length = 500)]
    pub caption: Option<String>,
}

/// What to list the attachments of.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AttachmentQuery {
    #[param(value_type = ParentType)]
    pub parent_type: Option<String>,
    #[param(value_type = i64)]
    pub parent_id: Option<i64>,
}

/// An upload as a form: one part with a filename; other parts are ignored.
#[derive(ToSchema)]
pub struct UploadForm {
    /// The file, with its filename and type in the part's headers.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// The attachments of one parent.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentList {
    pub data: Vec<Attachment>,
}

/// A file's bytes, as they were uploaded.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct FileBytes(pub Vec<u8>);
