//! Messages outside a care episode: the four categories, draft checks, mailboxes and the
//! lifecycle actions.

pub mod actions;
pub mod change;
pub mod create;
pub mod details;
pub mod draft;
pub mod draft_input;
pub mod fhir;
pub mod field_checks;
pub mod list;
pub mod new_message;
pub mod replies;
pub mod validate;
pub mod view;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the message routes (`summary` before `{id}` so it is not taken for an id).
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list::message_summary)
        .service(list::list_messages)
        .service(list::get_message)
        .service(fhir::get_message_fhir)
        .service(create::create_recept)
        .service(create::create_provtagning)
        .service(create::create_uppfoljning)
        .service(create::create_bokning)
        .service(validate::validate_recept)
        .service(validate::validate_provtagning)
        .service(validate::validate_uppfoljning)
        .service(validate::validate_bokning)
        .service(actions::read_message)
        .service(replies::reply_to_message)
        .service(actions::close_message)
        .service(actions::cancel_message);
}
