//! Extra CA certificates for outgoing HTTPS (the region's SITHS-style PKI), shared by the
//! webhook dispatcher and the identity provider's key fetcher.

/// Adds the PEM certificates in `pem` to the client's trusted roots (beside the public ones);
/// `variable` names the setting in errors. A file with no certificate is an error, not a
/// silent fallback to the public roots.
pub fn trust_extra_cas(
    builder: reqwest::ClientBuilder,
    pem: Option<&[u8]>,
    variable: &str,
) -> anyhow::Result<reqwest::ClientBuilder> {
    let Some(pem) = pem else {
        return Ok(builder);
    };
    let certs = reqwest::Certificate::from_pem_bundle(pem)
        .map_err(|e| anyhow::anyhow!("{variable}: {e}"))?;
    if certs.is_empty() {
        anyhow::bail!("{variable} holds no PEM certificate");
    }
    Ok(builder.tls_certs_merge(certs))
}
