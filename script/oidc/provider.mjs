// script/oidc/provider.mjs — a real OpenID provider (panva's oidc-provider, pinned in
// package-lock.json) for script/oidc-check. Test use only: development interactions (any
// password), in-memory storage, plain HTTP on loopback.
//
//   node provider.mjs genkey KID [RS256|ES256|PS256]   a private signing JWK on stdout
//   node provider.mjs serve                             the provider; environment:
//     PORT       port on 127.0.0.1
//     ISSUER     http://127.0.0.1:PORT
//     KEYS_FILE  a JSON array of private JWKs; the FIRST signs the access tokens (with its alg),
//                all of them are published at /jwks (rotation: restart with another file)
//     JWKS_MAX_AGE  optional: /jwks answers with Cache-Control: public, max-age=JWKS_MAX_AGE
//   GET /__stats -> {"jwks_fetches": n}: how many GETs /jwks has answered since start.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const RESOURCE = 'urn:samverkan:api';
const RESOURCE_SCOPE = 'samverkan';
const REDIRECT_URI = 'http://127.0.0.1:9/cb';
// Secrets of the two machine clients; script/oidc_check.py uses the same.
const CLIENT_SECRETS = {
  'platform-1': 'platform-1-secret-for-oidc-check-only-0123456789',
  'platform-2': 'platform-2-secret-for-oidc-check-only-0123456789',
};

// Inera-style claims (SITHS/IdP), as Ineras IdP puts them in tokens for care staff.
const kerstin = {
  employeeHsaId: 'SE2321000115-DEMOP0001',
  commissionHsaId: 'SE2321000115-DEMOC0001',
  commissionPurpose: 'Vård och behandling',
  healthCareProviderHsaId: 'SE2321000115-DEMOVG1',
  healthCareUnitHsaId: 'SE2321000115-DEMOK1380',
  healthcareProfessionalLicense: ['SJ'],
  given_name: 'Kerstin',
  family_name: 'Svensson',
};
const ACCOUNTS = {
  kerstin,
  doktor: {
    employeeHsaId: ['SE2321000115-DEMOP0002'],
    commissionHsaId: 'SE2321000115-DEMOC0002',
    commissionPurpose: 'Vård och behandling',
    healthCareProviderHsaId: 'SE2321000115-DEMOVG1',
    healthCareUnitHsaId: 'SE2321000115-DEMOVC01',
    healthcareProfessionalLicense: ['LK'],
    given_name: 'Doris',
    family_name: 'Doktorsson',
  },
  admin: {
    employeeHsaId: 'SE2321000115-DEMOP0009',
    roles: ['admin'],
    given_name: 'Adam',
    family_name: 'Admin',
  },
  'fel-syfte': { ...kerstin, commissionPurpose: 'Administration' },
  tvetydig: {
    ...kerstin,
    employeeHsaId: ['SE2321000115-DEMOP0003', 'SE2321000115-DEMOP0004'],
  },
};

function die(message) {
  process.stderr.write(`provider.mjs: ${message}\n`);
  process.exit(2);
}

function genkey(kid, alg = 'RS256') {
  if (!kid) die('usage: provider.mjs genkey KID [RS256|ES256|PS256]');
  let pair;
  switch (alg) {
    case 'RS256':
    case 'PS256':
      pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
      break;
    case 'ES256':
      pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      break;
    default:
      die(`unsupported alg ${alg} (RS256, ES256 or PS256)`);
  }
  const jwk = pair.privateKey.export({ format: 'jwk' });
  process.stdout.write(`${JSON.stringify({ ...jwk, kid, alg, use: 'sig' })}\n`);
}

async function serve() {
  const port = Number(process.env.PORT);
  const issuer = process.env.ISSUER || `http://127.0.0.1:${port}`;
  if (!port) die('PORT is not set');
  if (!process.env.KEYS_FILE) die('KEYS_FILE is not set');
  const keys = JSON.parse(readFileSync(process.env.KEYS_FILE, 'utf8'));
  if (!Array.isArray(keys) || keys.length === 0) die('KEYS_FILE must hold a non-empty JSON array of JWKs');
  const signing = keys[0];
  if (!signing.kid || !signing.alg) die('the first key needs kid and alg');

  // Imported here so that `genkey` works before npm ci.
  const { default: Provider } = await import('oidc-provider');

  const provider = new Provider(issuer, {
    jwks: { keys },
    clients: [
      {
        client_id: 'samverkan-frontend',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: [REDIRECT_URI],
      },
      ...Object.entries(CLIENT_SECRETS).map(([clientId, secret]) => ({
        client_id: clientId,
        client_secret: secret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      })),
    ],
    cookies: { keys: ['oidc-check-cookie-key-not-secret-0123456789'] },
    claims: {
      openid: ['sub'],
      profile: ['given_name', 'family_name'],
    },
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      introspection: { enabled: false },
      revocation: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => RESOURCE,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resourceIndicator) => {
          if (resourceIndicator !== RESOURCE) {
            const { errors } = await import('oidc-provider');
            throw new errors.InvalidTarget();
          }
          return {
            scope: RESOURCE_SCOPE,
            audience: RESOURCE,
            accessTokenTTL: 3600,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: signing.alg, kid: signing.kid } },
          };
        },
      },
    },
    pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
    // The account's claims go into the JWT access token (machine tokens get none).
    extraTokenClaims: async (_ctx, token) => {
      if (!token.accountId) return undefined;
      return ACCOUNTS[token.accountId] ? { ...ACCOUNTS[token.accountId] } : undefined;
    },
    findAccount: async (_ctx, accountId) => {
      const claims = ACCOUNTS[accountId];
      if (!claims) return undefined;
      return {
        accountId,
        claims: async () => ({ sub: accountId, ...claims }),
      };
    },
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      ClientCredentials: 3600,
      Grant: 3600,
      IdToken: 3600,
      Interaction: 600,
      Session: 3600,
    },
  });
  provider.proxy = false;

  let jwksFetches = 0;
  const maxAge = Number(process.env.JWKS_MAX_AGE || 0);
  const jwksPath = new URL(provider.urlFor('jwks')).pathname;
  const app = provider.callback();
  const server = createServer((req, res) => {
    const path = (req.url || '').split('?')[0];
    if (req.method === 'GET' && path === '/__stats') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ jwks_fetches: jwksFetches }));
      return;
    }
    if (req.method === 'GET' && path === jwksPath) {
      jwksFetches += 1;
      if (maxAge) res.setHeader('cache-control', `public, max-age=${maxAge}`);
    }
    app(req, res);
  });
  server.listen(port, '127.0.0.1', () => {
    process.stderr.write(`provider.mjs: ${issuer} up; signing key ${signing.kid} (${signing.alg}); `
      + `jwks: ${keys.map((k) => k.kid).join(', ')}\n`);
  });
  const stop = () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

const [command, ...args] = process.argv.slice(2);
switch (command) {
  case 'genkey':
    genkey(...args);
    break;
  case 'serve':
    await serve();
    break;
  default:
    die('usage: provider.mjs genkey KID [ALG] | provider.mjs serve');
}
