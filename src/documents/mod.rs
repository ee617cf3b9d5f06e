//! The mechanism's library: the Terms of Reference and Methodology, the Regulations, the
//! Concept paper, questionnaire templates, country and hemispheric reports, studies… in four
//! languages, one file per language, versioned, searched by title and summary.

pub mod api;
pub mod edit;
pub mod routes;
pub mod rules;
pub mod shown;
pub mod store;
mod writing;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(routes::list_documents)
        .service(edit::create_document)
        .service(routes::get_document)
        .service(edit::patch_document)
        .service(edit::publish_document)
        .service(edit::supersede_document)
        .service(edit::new_document_version)
        .service(routes::list_document_versions)
        .service(routes::get_document_version);
}
