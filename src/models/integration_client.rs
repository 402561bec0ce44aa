//! The `integration_clients` table: integration platforms registered in the directory. A
//! client-credentials token whose client id is here acts as that client, for these units.

use diesel::prelude::*;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::schema::integration_clients;

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

/// The HSA-ids of an active client's active units, in one statement; `None` when the client
/// is not registered or is deactivated. Every request of a machine client makes this lookup.
pub fn units_of(conn: &mut PgConnection, client_id: &str) -> QueryResult<Option<Vec<String>>> {
    use diesel::sql_types::{Nullable, Text};
    #[derive(QueryableByName)]
    struct UnitHsa {
        #[diesel(sql_type = Nullable<Text>)]
        hsa_id: Option<String>,
    }
    // A registered client with no active unit is one row with NULL: Some(empty).
    let rows: Vec<UnitHsa> = diesel::sql_query(
        "SELECT u.hsa_id FROM integration_clients c \
           LEFT JOIN units u ON u.id = ANY(c.unit_ids) AND u.active \
          WHERE c.client_id = $1 AND c.active \
          ORDER BY u.hsa_id",
    )
    .bind::<Text, _>(client_id)
    .load(conn)?;
    if rows.is_empty() {
        return Ok(None);
    }
    Ok(Some(rows.into_iter().filter_map(|r| r.hsa_id).collect()))
}
