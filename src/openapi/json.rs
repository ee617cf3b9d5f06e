//! What only the document's JSON form can say (utoipa's types do not read back every schema
//! they write): the control characters every string refuses, and the main flows' links.

/// The main flows as OpenAPI links: from an answer, where a client goes next and with which
/// value. (operation, status, link, next operation, its parameter, the answer's member, why.)
const LINKS: [(&str, &str, &str, &str, &str, &str, &str); 22] = [
    (
        "create_round",
        "201",
        "GetRound",
        "get_round",
        "id",
        "id",
        "The round created",
    ),
    (
        "create_round",
        "201",
        "ItsQuestionnaires",
        "list_questionnaires",
        "round",
        "id",
        "Its questionnaire versions",
    ),
    (
        "create_round",
        "201",
        "AddParticipant",
        "put_participant",
        "id",
        "id",
        "Add a participating country",
    ),
    (
        "create_round",
        "201",
        "OpenRound",
        "open_round",
        "id",
        "id",
        "Open it, once its questionnaire is published and it has two participants",
    ),
    (
        "get_round",
        "200",
        "Progress",
        "round_progress",
        "id",
        "id",
        "Each participant's progress",
    ),
    (
        "create_questionnaire",
        "201",
        "GetQuestionnaire",
        "get_questionnaire",
        "id",
        "id",
        "The draft created",
    ),
    (
        "create_questionnaire",
        "201",
        "PublishQuestionnaire",
        "publish_questionnaire",
        "id",
        "id",
        "Publish it: frozen from then on",
    ),
    (
        "publish_questionnaire",
        "200",
        "CreateResponse",
        "create_response",
        "id",
        "id",
        "A country's response to it",
    ),
    (
        "publish_questionnaire",
        "200",
        "Dictionary",
        "questionnaire_dictionary",
        "id",
        "id",
        "What the columns of its wide export mean",
    ),
    (
        "create_response",
        "201",
        "GetResponse",
        "get_response",
        "id",
        "id",
        "The response created",
    ),
    (
        "create_response",
        "201",
        "SaveAnswers",
        "put_answers",
        "id",
        "id",
        "Save its answers",
    ),
    (
        "put_answers",
        "200",
        "SubmitResponse",
        "submit_response",
        "id",
        "id",
        "Submit it",
    ),
    (
        "submit_response",
        "200",
        "AcceptResponse",
        "accept_response",
        "id",
        "id",
        "Accept it (secretariat)",
    ),
    (
        "submit_response",
        "200",
        "ReturnResponse",
        "return_response",
        "id",
        "id",
        "Return it with a reason (secretariat)",
    ),
    (
        "create_report",
        "201",
        "GetReport",
        "get_report",
        "id",
        "id",
        "The report created",
    ),
    (
        "create_report",
        "201",
        "Comments",
        "list_comments",
        "id",
        "id",
        "Its comments",
    ),
    (
        "create_report",
        "201",
        "Comment",
        "create_comment",
        "id",
        "id",
        "Comment on it",
    ),
    (
        "create_report",
        "201",
        "Recommend",
        "create_recommendation",
        "id",
        "id",
        "Add a recommendation",
    ),
    (
        "create_recommendation",
        "201",
        "GetRecommendation",
        "get_recommendation",
        "id",
        "id",
        "The recommendation, and later its follow-up",
    ),
    (
        "create_experience",
        "201",
        "GetExperience",
        "get_experience",
        "id",
        "id",
        "The experience created (a draft)",
    ),
    (
        "create_experience",
        "201",
        "SubmitExperience",
        "submit_experience",
        "id",
        "id",
        "Send it for review",
    ),
    (
        "create_user",
        "201",
        "GetUser",
        "get_user",
        "id",
        "id",
        "The account created",
    ),
];

pub(super) fn add_links(doc: &mut serde_json::Value) {
    let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) else {
        return;
    };
    for op in paths
        .values_mut()
        .filter_map(|i| i.as_object_mut())
        .flat_map(|i| i.values_mut())
    {
        let id = op
            .get("operationId")
            .and_then(|i| i.as_str())
            .unwrap_or("")
            .to_owned();
        for (from, status, name, to, parameter, member, description) in LINKS {
            if from != id {
                continue;
            }
            if let Some(response) = op.pointer_mut(&format!("/responses/{status}")) {
                response["links"][name] = serde_json::json!({
                    "operationId": to,
                    "parameters": {parameter: format!("$response.body#/{member}")},
                    "description": description,
                });
            }
        }
    }
}

/// What `http::hygiene` refuses, said in the schemas: texts in bodies hold no control
/// character but tab, line feed and carriage return (Unicode `Cc`, as Rust's
/// `char::is_control`); paths and query parameters hold none (ASCII controls).
const TEXT_PATTERN: &str = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$";
const PARAMETER_PATTERN: &str = r"^[^\u0000-\u001F\u007F]*$";

pub(super) fn refuse_control_characters(doc: &mut serde_json::Value) {
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(|s| s.as_object_mut())
    {
        // Problems are answers only: they may quote what a request wrongly held.
        for (name, schema) in schemas.iter_mut() {
            if name != "Problem" && name != "FieldError" {
                add_pattern(schema, TEXT_PATTERN);
            }
        }
    }
    if let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) {
        for op in paths
            .values_mut()
            .filter_map(|i| i.as_object_mut())
            .flat_map(|i| i.values_mut())
        {
            if let Some(params) = op.get_mut("parameters").and_then(|p| p.as_array_mut()) {
                for param in params {
                    let place = param.get("in").and_then(|i| i.as_str()).unwrap_or("");
                    if matches!(place, "query" | "path") {
                        if let Some(schema) = param.get_mut("schema") {
                            add_pattern(schema, PARAMETER_PATTERN);
                        }
                    }
                }
            }
            if let Some(body) = op.get_mut("requestBody") {
                add_pattern(body, TEXT_PATTERN);
            }
        }
    }
}

/// Gives every plain string schema under `node` (no format, enum, const or pattern of its own)
/// the `pattern`.
fn add_pattern(node: &mut serde_json::Value, pattern: &str) {
    match node {
        serde_json::Value::Object(map) => {
            let is_string = match map.get("type") {
                Some(serde_json::Value::String(t)) => t == "string",
                Some(serde_json::Value::Array(ts)) => ts.iter().any(|t| t == "string"),
                _ => false,
            };
            let constrained = ["format", "enum", "const", "pattern"]
                .iter()
                .any(|k| map.contains_key(*k));
            if is_string && !constrained {
                map.insert("pattern".into(), serde_json::Value::from(pattern));
            }
            for value in map.values_mut() {
                add_pattern(value, pattern);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                add_pattern(item, pattern);
            }
        }
        _ => {}
    }
}
