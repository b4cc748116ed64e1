#!/usr/bin/env node
// The signing half of the VNeID mock, for ./run and manual testing (Node's standard library only).
//
//   node mocks/vneid-signer.mjs --port 9091 --upstream http://127.0.0.1:9090
//
// WireMock cannot sign a token per request, so this small proxy stands in front of it for /vneid:
// every request goes to WireMock unchanged (with its Host header, so the discovery document WireMock
// templates names this proxy), except that
//   - GET /vneid/.well-known/jwks.json answers the public half of an RSA key made at start, and
//   - a token answer carrying "id_token_claims" gets an RS256 id_token instead: those claims plus iss
//     (this proxy's /vneid), aud (the client_id sent), the nonce (the mocks' authorize page puts it in
//     the code after a dot), iat, nbf and exp (5 minutes).
// The key lives as long as the process; the gateway re-reads the JWKS when it meets an unknown key id.
import crypto from 'node:crypto';
import http from 'node:http';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []));
const port = Number(args.port ?? 9091);
const upstream = new URL(args.upstream ?? 'http://127.0.0.1:9090');

const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const kid = 'vneid-mock-' + crypto.randomBytes(4).toString('hex');
const jwks = JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' }] });

const b64url = (value) => Buffer.from(value).toString('base64url');

function sign(claims) {
  const signed = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid })) + '.' + b64url(JSON.stringify(claims));
  return signed + '.' + b64url(crypto.sign('sha256', Buffer.from(signed), privateKey));
}

function readBody(stream) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function forward(req, body) {
  return new Promise((resolve, reject) => {
    const out = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      async (answer) => resolve({ status: answer.statusCode, headers: answer.headers, body: await readBody(answer) }));
    out.on('error', reject);
    out.end(body);
  });
}

function signIdToken(req, body, answer) {
  const tokens = JSON.parse(answer.body.toString('utf8'));
  if (!tokens.id_token_claims) {
    return answer;
  }

  const form = new URLSearchParams(body.toString('utf8'));
  const code = form.get('code') ?? '';
  const now = Math.floor(Date.now() / 1000);
  const { id_token_claims: claims, ...rest } = tokens;
  const signed = JSON.stringify({
    ...rest,
    id_token: sign({
      iss: `http://${req.headers.host}/vneid`,
      aud: form.get('client_id'),
      ...claims,
      nonce: code.includes('.') ? code.slice(code.indexOf('.') + 1) : undefined,
      iat: now,
      nbf: now,
      exp: now + 300,
    }),
  });
  return { ...answer, headers: { ...answer.headers, 'content-length': Buffer.byteLength(signed) }, body: signed };
}

http.createServer(async (req, res) => {
  try {
    const path = new URL(req.url, 'http://proxy').pathname;
    if (req.method === 'GET' && path === '/vneid/.well-known/jwks.json') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(jwks);
      return;
    }

    const body = await readBody(req);
    let answer = await forward(req, body);
    if (req.method === 'POST' && path === '/vneid/oauth2/token' && answer.status === 200) {
      answer = signIdToken(req, body, answer);
    }

    delete answer.headers['transfer-encoding'];
    res.writeHead(answer.status, answer.headers).end(answer.body);
  } catch (error) {
    res.writeHead(502, { 'Content-Type': 'text/plain' }).end(`vneid-signer: ${error.message}\n`);
  }
}).listen(port, '127.0.0.1', () => console.error(`vneid-signer on http://127.0.0.1:${port}/vneid, in front of ${upstream.origin}`));
