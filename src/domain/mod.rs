pub mod hsa_id;
pub mod municipality;
