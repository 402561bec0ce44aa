//! The `integration_clients` table: integration platforms registered in the directory. A
//! client-credentials token whose client id is here acts as that client, for these units.

use diesel::prelude::*;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::schema::{integration_clients, units};

/// A stored client.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = integration_clients)]
pub struct IntegrationClientRow {
    pub client_id: String,
    pub name: String,
    /// Never holds NULL (the column is `uuid[]`, whose elements diesel types as nullable).
    pub unit_ids: Vec<Option<Uuid>>,
    pub active: bool,
    pub created_by: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A client to register.
#[derive(Debug, Insertable)]
#[diesel(table_name = integration_clients)]
pub struct NewIntegrationClient<'a> {
    pub client_id: &'a str,
    pub name: &'a str,
    pub unit_ids: &'a [Option<Uuid>],
    pub created_by: &'a str,
}

/// Changed columns (`None` = unchanged).
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = integration_clients)]
pub struct IntegrationClientChanges {
    pub name: Option<String>,
    pub unit_ids: Option<Vec<Option<Uuid>>>,
    pub active: Option<bool>,
    pub updated_at: Option<OffsetDateTime>,
}

/// Registers a client; `None` when the client id is taken.
pub fn insert(
    conn: &mut PgConnection,
    new: &NewIntegrationClient<'_>,
) -> QueryResult<Option<IntegrationClientRow>> {
    diesel::insert_into(integration_clients::table)
        .values(new)
        .on_conflict_do_nothing()
        .returning(IntegrationClientRow::as_returning())
        .get_result(conn)
        .optional()
}

/// One client.
pub fn find(conn: &mut PgConnection, client_id: &str) -> QueryResult<Option<IntegrationClientRow>> {
    integration_clients::table
        .find(client_id)
        .select(IntegrationClientRow::as_select())
        .first(conn)
        .optional()
}

/// Every client, by id (the registry of a region's platforms is a handful).
pub fn list(conn: &mut PgConnection) -> QueryResult<Vec<IntegrationClientRow>> {
    integration_clients::table
        .order(integration_clients::client_id)
        .select(IntegrationClientRow::as_select())
        .load(conn)
}

/// Changes a client; `None` when there is none.
pub fn update(
    conn: &mut PgConnection,
    client_id: &str,
    changes: &IntegrationClientChanges,
) -> QueryResult<Option<IntegrationClientRow>> {
    diesel::update(integration_clients::table.find(client_id))
        .set(changes)
        .returning(IntegrationClientRow::as_returning())
        .get_result(conn)
        .optional()
}

/// The HSA-ids of an active client's active units; `None` when the client
/// is not registered or is deactivated. Every request of a machine client makes this lookup
/// (two primary-key/index reads).
pub fn units_of(conn: &mut PgConnection, client_id: &str) -> QueryResult<Option<Vec<String>>> {
    let client: Option<Vec<Option<Uuid>>> = integration_clients::table
        .find(client_id)
        .filter(integration_clients::active.eq(true))
        .select(integration_clients::unit_ids)
        .first(conn)
        .optional()?;
    let Some(ids) = client else {
        return Ok(None);
    };
    let ids: Vec<Uuid> = ids.into_iter().flatten().collect();
    let hsa: Vec<String> = units::table
        .filter(units::id.eq_any(&ids))
        .filter(units::active.eq(true))
        .order(units::hsa_id)
        .select(units::hsa_id)
        .load(conn)?;
    Ok(Some(hsa))
}
