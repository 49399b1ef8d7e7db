/**
 * The server's identity: an X25519 key pair (requests are sealed to it) and an
 * Ed25519 key pair (signs the server card, which clients pin). Created on first
 * start and kept in a JSON file readable only by its owner; several processes
 * behind one load balancer share it by pointing --key at the same file.
 */
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fromHex, randomBytes, toHex } from '../protocol/crypto/bytes.js';
import { ed25519KeyPair, sign, x25519KeyPair, type KeyPair } from '../protocol/crypto/curves.js';
import { serverCardSignedPart } from '../protocol/wire/serverProtocol.js';
import { meow } from '../protocol/wire/proto.js';

export interface ServerIdentity {
  /** X25519: requests are sealed to its public key. */
  box: KeyPair;
  /** Ed25519: signs the card. */
  signing: KeyPair;
}

interface KeyFile {
  version: 1;
  x25519PrivateKey: string;
  ed25519PrivateKey: string;
}

function parse(text: string, file: string): ServerIdentity {
  let json: KeyFile;
  try {
    json = JSON.parse(text) as KeyFile;
  } catch (e) {
    throw new Error(`server key file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (
    json.version !== 1 ||
    typeof json.x25519PrivateKey !== 'string' ||
    typeof json.ed25519PrivateKey !== 'string'
  )
    throw new Error(`server key file ${file} has an unknown format`);
  return {
    box: x25519KeyPair(fromHex(json.x25519PrivateKey)),
    signing: ed25519KeyPair(fromHex(json.ed25519PrivateKey)),
  };
}

/** Loads the key file, creating it (mode 0600) when it does not exist. Safe against two processes racing. */
export function loadOrCreateIdentity(file: string): ServerIdentity {
  if (existsSync(file)) return parse(readFileSync(file, 'utf8'), file);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const box = x25519KeyPair();
  const signing = ed25519KeyPair();
  const content: KeyFile = {
    version: 1,
    x25519PrivateKey: toHex(box.privateKey),
    ed25519PrivateKey: toHex(signing.privateKey),
  };
  const tmp = `${file}.${toHex(randomBytes(6))}.tmp`;
  writeFileSync(tmp, JSON.stringify(content, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  try {
    linkSync(tmp, file); // atomic, and fails if another process created the file first
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return parse(readFileSync(file, 'utf8'), file);
  } finally {
    unlinkSync(tmp);
  }
  return { box: x25519KeyPair(box.privateKey), signing: ed25519KeyPair(signing.privateKey) };
}

/** The signed card clients fetch and pin. */
export function makeServerCard(
  identity: ServerIdentity,
  url: string,
  name: string,
  description: string,
  maxBlob = 0,
): meow.ServerCard {
  const card: meow.IServerCard = {
    url,
    publicKey: identity.box.publicKey,
    signingKey: identity.signing.publicKey,
    name,
    description,
    ...(maxBlob > 0 ? { maxBlob } : {}),
  };
  return meow.ServerCard.create({
    ...card,
    cardSignature: sign(identity.signing, serverCardSignedPart(card)),
  });
}
