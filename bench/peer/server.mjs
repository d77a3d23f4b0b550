// The peer of IdP's benchmark suite: node-oidc-provider set up as IdP is for scenarios (a) and (b): the client
// credentials grant, client_secret_basic, access tokens that are RS256 JWTs (RFC 9068) signed with an RSA-2048 key,
// a 10-minute lifetime, and nothing stored per token (the provider stores JWT access tokens nowhere).
//
//   PORT=5100 PEER_CLIENT_ID=bench-cc PEER_CLIENT_SECRET=... NODE_ENV=production node server.mjs
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT ?? 5100);
const issuer = `http://127.0.0.1:${port}/`;
const clientId = process.env.PEER_CLIENT_ID ?? 'bench-cc';
const clientSecret = process.env.PEER_CLIENT_SECRET;
if (!clientSecret) {
  throw new Error('PEER_CLIENT_SECRET is required.');
}

// The same key type and size as IdP's default signing key.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256', kid: 'bench-peer-rs256' };

// IdP gives client-credentials tokens the API scope's resource as aud; resource indicators (RFC 8707) do that here.
const resource = 'urn:bench-api';

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  ttl: { ClientCredentials: 600 },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => resource,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'api',
        audience: resource,
        accessTokenTTL: 600,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
});

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`node-oidc-provider listening on ${issuer}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
